"""Compiles one pipeline function of a Python file with the user's own KFP SDK.

Shipped with the Kubeflow Pipelines VS Code extension and run with the
interpreter the user selected. It imports the file as a module (its folder
first on sys.path, as `kfp dsl compile` does), picks the pipeline function by
name and compiles it with kfp.compiler.Compiler: KFP SDK v2 writes the IR
PipelineSpec YAML, v1 an Argo Workflow. The result is written as JSON to the
--result file (never to stdout, which belongs to the user's code).

Usage: kfp_compile.py --file F --output OUT --result RESULT.json [--function NAME]
"""
import argparse
import importlib.util
import inspect
import json
import os
import sys
import traceback


def frames(tb):
    return [{"file": f.filename, "line": f.lineno, "function": f.name, "code": f.line or ""}
            for f in traceback.extract_tb(tb)]


def fail(result_path, kind, message, exc=None, **extra):
    out = {"ok": False, "error": {"kind": kind, "message": message, **extra}}
    if exc is not None:
        out["error"]["type"] = type(exc).__name__
        out["error"]["traceback"] = frames(exc.__traceback__)
        out["error"]["text"] = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    write(result_path, out)
    return 0


def write(result_path, data):
    with open(result_path, "w", encoding="utf-8") as f:
        json.dump(data, f)


def looks_like_pipeline(obj):
    # KFP v2: @dsl.pipeline returns a GraphComponent with a pipeline_spec.
    # KFP v1: @dsl.pipeline marks the function with _is_pipeline / _component_human_name.
    try:
        return hasattr(obj, "pipeline_spec") or getattr(obj, "_is_pipeline", False) is True
    except Exception:  # a property that raises is not ours to judge
        return False


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--file", required=True)
    parser.add_argument("--output", required=True)
    parser.add_argument("--result", required=True)
    parser.add_argument("--function")
    args = parser.parse_args()

    try:
        import kfp  # noqa: F401
    except ImportError as e:
        return fail(args.result, "no-sdk", "The KFP SDK is not installed for this interpreter (%s): %s" % (sys.executable, e), python=sys.executable)
    version = getattr(kfp, "__version__", "unknown")

    path = os.path.abspath(args.file)
    sys.path.insert(0, os.path.dirname(path))
    spec = importlib.util.spec_from_file_location("kfp_vscode_pipeline_module", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    except SyntaxError as e:
        return fail(args.result, "syntax", "%s: %s" % (type(e).__name__, e.msg), e, file=e.filename, line=e.lineno, column=e.offset, sdkVersion=version)
    except ImportError as e:
        return fail(args.result, "import", "%s: %s" % (type(e).__name__, e), e, sdkVersion=version)
    except BaseException as e:  # the user's module raised while importing
        return fail(args.result, "exception", "%s: %s" % (type(e).__name__, e), e, sdkVersion=version)

    candidates = sorted(n for n, o in vars(module).items() if looks_like_pipeline(o))
    name = args.function
    if not name:
        if len(candidates) != 1:
            return fail(args.result, "missing-function", "Expected one pipeline in %s, found %d: %s. Choose one." % (args.file, len(candidates), ", ".join(candidates) or "none"), candidates=candidates, sdkVersion=version)
        name = candidates[0]
    func = getattr(module, name, None)
    if func is None:
        return fail(args.result, "missing-function", "%s has no function named %r (pipelines found: %s)." % (args.file, name, ", ".join(candidates) or "none"), candidates=candidates, sdkVersion=version)
    if not looks_like_pipeline(func):
        return fail(args.result, "missing-function", "%r is not decorated with @dsl.pipeline (pipelines found: %s)." % (name, ", ".join(candidates) or "none"), candidates=candidates, sdkVersion=version)

    try:
        from kfp import compiler
        compiler.Compiler().compile(pipeline_func=func, package_path=args.output)
    except BaseException as e:
        return fail(args.result, "compile", "%s: %s" % (type(e).__name__, e), e, sdkVersion=version)

    target = getattr(func, "__wrapped__", func)
    params = []
    try:
        for p in inspect.signature(target if callable(target) else func).parameters.values():
            params.append({"name": p.name, "annotation": None if p.annotation is inspect.Parameter.empty else getattr(p.annotation, "__name__", str(p.annotation)),
                           "default": None if p.default is inspect.Parameter.empty else repr(p.default)})
    except (TypeError, ValueError):
        pass
    write(args.result, {"ok": True, "output": os.path.abspath(args.output), "sdkVersion": version, "function": name,
                        "pipelineName": getattr(func, "name", None) or getattr(func, "_component_human_name", None) or name,
                        "parameters": params})
    return 0


if __name__ == "__main__":
    sys.exit(main())
