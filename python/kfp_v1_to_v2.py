"""Rewrites a KFP SDK v1 pipeline file for the KFP v2 SDK, as text edits.

Run by Kubeflow Pipelines for VS Code with the user's Python, standard library
only (ast): it parses the file, never imports or runs it. Input on stdin, JSON:
{"source": text, "entrypoints": {image: [entrypoint + cmd words]}}. Output on
stdout, JSON: {"edits": [{"start": [line, col], "end": [line, col], "text": …}],
"notConverted": [{"line": n, "what": …, "why": …}], "converted": [what, …]}.
Lines are 0-based, columns count UTF-16 code units (as the editor does). Text
outside the edits is left byte for byte; running it on its own output changes
nothing.

What it converts (kfp 1.8 → kfp 2):
- dsl.ContainerOp(name, image, command, arguments, file_outputs) in a pipeline →
  a @dsl.container_component placed before the pipeline, returning
  dsl.ContainerSpec(image, command, args) with one input per value the op is
  given (typed from the pipeline's annotation, else str) and one
  dsl.OutputPath(str) per file output. The container stays as it was: a small
  sh wrapper runs the program and, when it succeeds, copies each fixed file it
  wrote (e.g. /output.txt) to its output path; the program's exit code is kept.
  Without `command` the image's entrypoint must be known (from a Dockerfile in
  the workspace); otherwise the op is left, with the reason.
- .apply(gcp.use_gcp_secret('S')) → kubernetes.use_secret_as_volume(task,
  secret_name='S', mount_path='/secret/gcp-credentials') and the two variables
  v1 sets (GOOGLE_APPLICATION_CREDENTIALS, CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE),
  as kfp 1.8's gcp.py does; set_gpu_limit(n) → set_accelerator_type +
  set_accelerator_limit; the other resource setters keep their names.
- dsl.Condition → dsl.If; func_to_container_op / create_component_from_func →
  @dsl.component on the function (base_image, packages_to_install kept);
  untyped pipeline parameters get the type of their default.
- ExitHandler, load_component_from_file, kfp.Client calls and the compiler call
  are the same in v2 and are kept.
"""
import ast
import io
import json
import os
import re
import sys
import tokenize

MARK = "# kfp-v2:"
GCP_MOUNT = "/secret/gcp-credentials"
RESOURCE_SETTERS = {"set_memory_request", "set_memory_limit", "set_cpu_request", "set_cpu_limit", "set_gpu_limit",
                    "set_display_name", "after", "set_caching_options", "set_retry", "add_node_selector_constraint"}


def utf16_col(line, col_bytes):
    """Editor column (UTF-16 units) of a byte offset in a UTF-8 line."""
    return len(line.encode("utf-8")[:col_bytes].decode("utf-8", "replace").encode("utf-16-le")) // 2


class Converter:
    def __init__(self, source, entrypoints, path=None):
        self.path = path
        self.src = source
        self.lines = source.splitlines(keepends=True)
        self.tree = ast.parse(source)
        self.entrypoints = entrypoints or {}
        self.edits = []
        self.not_converted = []
        self.converted = []
        self.indent = self._indent_unit()
        self.quote = self._quote_style()
        self.need_kubernetes = False
        # Every name the module binds anywhere (functions, classes, variables, parameters, imports): a generated
        # component must not shadow one, nor be shadowed by a local variable of the pipeline.
        self.component_names = set()
        for n in ast.walk(self.tree):
            if isinstance(n, (ast.FunctionDef, ast.ClassDef)):
                self.component_names.add(n.name)
            elif isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store):
                self.component_names.add(n.id)
            elif isinstance(n, ast.arg):
                self.component_names.add(n.arg)
            elif isinstance(n, ast.alias):
                self.component_names.add((n.asname or n.name).split(".")[0])
        self.comments = []
        try:
            for tok in tokenize.generate_tokens(io.StringIO(self.src).readline):
                if tok.type == tokenize.COMMENT:
                    self.comments.append((tok.start[0], tok.start[1], tok.string))
        except (tokenize.TokenError, SyntaxError):
            pass

    # ---- style of the file ----------------------------------------------------
    def _indent_unit(self):
        for line in self.lines:
            m = re.match(r"^([ \t]+)\S", line)
            if m:
                return m.group(1)
        return "    "

    def _quote_style(self):
        single = double = 0
        try:
            for tok in tokenize.generate_tokens(io.StringIO(self.src).readline):
                if tok.type == tokenize.STRING:
                    body = re.sub(r"^[rbuRBUfF]*", "", tok.string)
                    if body.startswith('"""') or body.startswith("'''"):
                        continue
                    if body.startswith('"'):
                        double += 1
                    elif body.startswith("'"):
                        single += 1
        except (tokenize.TokenError, SyntaxError):
            pass
        return "'" if single > double else '"'

    def q(self, text):
        """A Python string literal in the file's quote style."""
        r = repr(text)
        if self.quote == '"' and r.startswith("'") and '"' not in text:
            r = '"' + r[1:-1].replace("\\'", "'") + '"'
        return r

    def seg(self, node):
        return ast.get_source_segment(self.src, node)

    def seg_edited(self, node):
        """The node's text with the edits already made inside it, which it then carries (so no two edits overlap)."""
        text = self.seg(node)
        start = self.pos(node.lineno, node.col_offset)
        end = self.pos(node.end_lineno, node.end_col_offset)
        inner = [e for e in self.edits if start <= e["start"] and e["end"] <= end and e["start"] != e["end"] and e["start"][0] == e["end"][0] == start[0] == end[0]]
        for e in sorted(inner, key=lambda e: e["start"], reverse=True):
            a, b = e["start"][1] - start[1], e["end"][1] - start[1]
            text = text[:a] + e["text"] + text[b:]
            self.edits.remove(e)
        return text

    # ---- edits ----------------------------------------------------------------
    def pos(self, line1, col_bytes):
        return [line1 - 1, utf16_col(self.lines[line1 - 1], col_bytes) if line1 - 1 < len(self.lines) else 0]

    def replace(self, node, text):
        self.edits.append({"start": self.pos(node.lineno, node.col_offset), "end": self.pos(node.end_lineno, node.end_col_offset), "text": text})

    def insert_line_before(self, line1, text):
        self.edits.append({"start": [line1 - 1, 0], "end": [line1 - 1, 0], "text": text})

    def note(self, node, what, why):
        line = self.lines[node.lineno - 1]
        prev = self.lines[node.lineno - 2] if node.lineno > 1 else ""
        self.not_converted.append({"line": node.lineno - 1, "what": what, "why": why})
        if MARK not in prev and MARK not in line:
            indent = re.match(r"^[ \t]*", line).group(0)
            self.insert_line_before(node.lineno, "%s%s not converted: %s (%s)\n" % (indent, MARK, what, why))

    # ---- what the file calls things -------------------------------------------
    @staticmethod
    def dotted(node):
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name):
            parts.append(node.id)
            return ".".join(reversed(parts))
        return None

    def is_call_to(self, node, *names):
        return isinstance(node, ast.Call) and (self.dotted(node.func) or "").split(".")[-1] in names

    # ---- the conversion -------------------------------------------------------
    def run(self):
        self.call_types = self._helper_param_types()
        # First what is renamed inside expressions (component.yaml output keys): an op that is converted later
        # takes those expressions with the renames in them.
        self.convert_loaded_components()
        for fn in [f for f in self.tree.body if isinstance(f, ast.FunctionDef)]:
            self.convert_function(fn, any(self._is_pipeline_decorator(d) for d in fn.decorator_list))
        self.convert_func_to_container_op()
        self.convert_conditions()
        self.convert_compile_paths()
        self.flag_unsupported()
        if self.edits:
            self.fix_imports()
        return {"edits": self.edits, "notConverted": sorted(self.not_converted, key=lambda n: n["line"]), "converted": self.converted,
                "style": {"indent": self.indent, "quote": self.quote}}

    def _helper_param_types(self):
        """(function, parameter) → the type of what a pipeline passes to it (its annotated parameter, else str)."""
        out = {}
        defs = {f.name: f for f in self.tree.body if isinstance(f, ast.FunctionDef)}
        for fn in defs.values():
            if not any(self._is_pipeline_decorator(d) for d in fn.decorator_list):
                continue
            types = {a.arg: (self.seg(a.annotation) if a.annotation is not None else None) for a in fn.args.args}
            defaults = dict(zip([a.arg for a in fn.args.args][len(fn.args.args) - len(fn.args.defaults):], fn.args.defaults))
            for k, t in list(types.items()):
                d = defaults.get(k)
                if t is None and isinstance(d, ast.Constant) and type(d.value) in (str, int, float, bool):
                    types[k] = type(d.value).__name__
            for call in ast.walk(fn):
                if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in defs):
                    continue
                target = defs[call.func.id]
                pairs = list(zip([a.arg for a in target.args.args], call.args)) + [(k.arg, k.value) for k in call.keywords if k.arg]
                for name, val in pairs:
                    if isinstance(val, ast.Name) and types.get(val.id):
                        out.setdefault((target.name, name), types[val.id])
        return out

    def _is_pipeline_decorator(self, d):
        target = d.func if isinstance(d, ast.Call) else d
        return (self.dotted(target) or "").split(".")[-1] == "pipeline"

    def convert_function(self, fn, is_pipeline):
        # Parameter types: v2 needs them on a pipeline; an untyped parameter gets the type of its default.
        annotations = {}
        defaults = dict(zip([a.arg for a in fn.args.args][len(fn.args.args) - len(fn.args.defaults):], fn.args.defaults))
        for a in fn.args.args:
            if a.annotation is not None:
                annotations[a.arg] = self.seg(a.annotation)
                continue
            if not is_pipeline:
                # A helper that builds ops: its parameters take the types of what the pipelines pass it.
                annotations[a.arg] = self.call_types.get((fn.name, a.arg), "str")
                continue
            d = defaults.get(a.arg)
            t = None
            if isinstance(d, ast.Constant) and type(d.value) in (str, int, float, bool):
                t = type(d.value).__name__
            if t:
                annotations[a.arg] = t
                self.edits.append({"start": self.pos(a.end_lineno, a.end_col_offset), "end": self.pos(a.end_lineno, a.end_col_offset), "text": ": " + t})
                self.converted.append("parameter %s typed %s" % (a.arg, t))
            else:
                annotations[a.arg] = "str"
                self.note(fn, "parameter %s" % a.arg, "v2 needs a type annotation on every pipeline parameter")
        components = []
        left = []
        for stmt in sorted((n for n in ast.walk(fn) if isinstance(n, ast.Call)), key=lambda n: (n.lineno, n.col_offset)):
            if self.is_call_to(stmt, "ContainerOp"):
                comp = self.convert_container_op(stmt, fn, annotations)
                if comp:
                    components.append(comp)
                else:
                    left.append(stmt)
        for stmt in ast.walk(fn):
            # The setters of an op left as v1 stay v1 too: converting them alone would mix the two SDKs.
            if isinstance(stmt, ast.Call) and isinstance(stmt.func, ast.Attribute) and not any(stmt.func.value is l for l in left):
                self.convert_task_method(stmt)
        if components:
            first = min([fn.lineno] + [d.lineno for d in fn.decorator_list])
            self.insert_line_before(first, "".join(components))

    def convert_container_op(self, call, fn, annotations):
        kw = {k.arg: k.value for k in call.keywords if k.arg}
        names = ["name", "image", "command", "arguments", "init_containers", "sidecars", "container_kwargs", "artifact_argument_paths", "file_outputs", "output_artifact_paths", "is_exit_handler", "pvolumes"]
        for i, a in enumerate(call.args):
            if i < len(names):
                kw.setdefault(names[i], a)
        unsupported = [k for k in kw if k not in ("name", "image", "command", "arguments", "file_outputs")]
        if unsupported:
            self.note(call, "ContainerOp", "%s has no v2 counterpart this conversion knows" % ", ".join(unsupported))
            return None
        name_node, image_node = kw.get("name"), kw.get("image")
        if not (isinstance(name_node, ast.Constant) and isinstance(name_node.value, str)):
            self.note(call, "ContainerOp", "its name is not a plain string")
            return None
        if image_node is None:
            self.note(call, "ContainerOp", "it has no image")
            return None
        image_text = self.seg(image_node)
        image_value = image_node.value if isinstance(image_node, ast.Constant) and isinstance(image_node.value, str) else None
        command_node, args_node, outs_node = kw.get("command"), kw.get("arguments"), kw.get("file_outputs")
        for n, what in ((command_node, "command"), (args_node, "arguments")):
            if n is not None and not isinstance(n, (ast.List, ast.Tuple)):
                self.note(call, "ContainerOp", "its %s is not a list written out in the call" % what)
                return None
        outputs = []
        if outs_node is not None:
            if not isinstance(outs_node, ast.Dict) or not all(isinstance(k, ast.Constant) and isinstance(k.value, str) and isinstance(v, ast.Constant) and isinstance(v.value, str) for k, v in zip(outs_node.keys, outs_node.values)):
                self.note(call, "ContainerOp", "its file_outputs is not a dict of fixed names and paths")
                return None
            outputs = [(k.value, v.value) for k, v in zip(outs_node.keys, outs_node.values)]
        if command_node is None and outputs:
            # Docker: without a command the image's ENTRYPOINT runs, with the arguments in place of its CMD.
            key = image_value or ""
            ep = self.entrypoints.get(key) or self.entrypoints.get(re.sub(r"(@sha256:[0-9a-f]+|:[\w.-]+)$", "", key))
            if ep is None:
                self.note(call, "ContainerOp", "it has no command and the entrypoint of %s is not known (no Dockerfile in the workspace builds it): add command=[...] to the op, then convert again" % (image_value or image_text))
                return None
            words = list(ep.get("entrypoint") or [])
            if ep.get("shellEntrypoint"):
                args_node = None
            elif not (args_node is not None and args_node.elts):
                words += list(ep.get("cmd") or [])
            program = [ast.Constant(w) for w in words]
        else:
            program = list(command_node.elts) if command_node is not None else []
        arguments = list(args_node.elts) if args_node is not None else []
        # Outputs keep their v1 keys (downstream tasks read task.outputs['key']); inputs are named around them.
        bad = [k for k, _p in outputs if not k.isidentifier() or k in ("image", "command", "args")]
        if bad:
            self.note(call, "ContainerOp", "the file output %s is not a Python name, which v2 output names must be" % ", ".join(repr(b) for b in bad))
            return None
        out_names = [k for k, _p in outputs]
        # Inputs: every value that is not a constant, named after what it is.
        inputs, call_args, used = [], [], set(out_names)

        def input_for(node):
            if isinstance(node, ast.Constant):
                return None
            if isinstance(node, ast.Name) and node.id in annotations:
                base, typ = node.id, annotations[node.id]
            elif isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and node.value.attr == "outputs" and isinstance(node.value.value, ast.Name):
                key = node.slice.value if isinstance(node.slice, ast.Constant) else None
                base, typ = "%s_%s" % (node.value.value.id, key if isinstance(key, str) else "output"), "str"
            elif isinstance(node, ast.Attribute) and node.attr == "output" and isinstance(node.value, ast.Name):
                base, typ = "%s_output" % node.value.id, "str"
            else:
                base, typ = "value", "str"
            base = re.sub(r"\W", "_", base)
            name, n = base, 2
            if name in used:
                name = base + "_in"
            while name in used:
                name, n = "%s_%d" % (base, n), n + 1
            used.add(name)
            inputs.append("%s: %s" % (name, typ))
            call_args.append("%s=%s" % (name, self.seg_edited(node)))
            return name

        def word(node):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                return self.q(node.value)
            if isinstance(node, ast.Constant):
                return self.q(str(node.value))
            if isinstance(node, ast.JoinedStr) or isinstance(node, ast.BinOp):
                return None
            return input_for(node)

        program_words = [word(n) for n in program]
        arg_words = [word(n) for n in arguments]
        if None in program_words or None in arg_words:
            self.note(call, "ContainerOp", "an argument is built from expressions (f-strings, +) this conversion does not split")
            return None
        ident = re.sub(r"\W", "_", name_node.value).strip("_").lower() or "step"
        if ident[0].isdigit():
            ident = "step_" + ident
        comp = ident + "_op"
        n = 2
        while comp in self.component_names:
            comp, n = "%s_op_%d" % (ident, n), n + 1
        self.component_names.add(comp)
        i1, i2 = self.indent, self.indent * 2
        params = ", ".join(inputs + ["%s: dsl.OutputPath(str)" % o for o in out_names])
        if outputs:
            # The program writes fixed files; v2 hands output paths. The wrapper runs it unchanged and, when it
            # succeeds, copies each file to its path; its exit code is the program's (or cp's, if a copy fails).
            k = len(outputs)
            copies = " && ".join('mkdir -p "$(dirname "$o%d")" && cp %s "$o%d"' % (i + 1, shell_quote(p), i + 1) for i, (_k, p) in enumerate(outputs))
            wrapper = 'rc=0; %s shift %d; "$@" || rc=$?; if [ $rc -eq 0 ]; then %s || rc=$?; fi; exit $rc' % (" ".join('o%d="$%d";' % (i + 1, i + 1) for i in range(k)), k, copies)
            command = "[%s, %s, %s, %s]" % (self.q("sh"), self.q("-c"), self.q(wrapper), self.q("kfp-v1-wrapper"))
            args = "[%s]" % ", ".join(out_names + program_words + arg_words)
        else:
            command = "[%s]" % ", ".join(program_words) if program else None
            args = "[%s]" % ", ".join(arg_words) if arguments else None
        body = ["image=%s" % (self.q(image_value) if image_value is not None else image_text)]
        if command:
            body.append("command=%s" % command)
        if args:
            body.append("args=%s" % args)
        # Comments written inside the op's call move with it into the component.
        inner = "".join("%s%s\n" % (i1, c) for (ln, col, c) in self.comments
                        if (call.lineno, call.col_offset) < (ln, col) < (call.end_lineno, call.end_col_offset))
        text = "@dsl.container_component\ndef %s(%s):\n%s%s generated from dsl.ContainerOp(name=%s)%s\n%s%sreturn dsl.ContainerSpec(\n%s\n%s)\n\n\n" % (
            comp, params, i1, MARK, self.q(name_node.value),
            ": the program runs as before; each file it writes (%s) is copied to its output path" % ", ".join(p for _k, p in outputs) if outputs else "",
            inner, i1, ",\n".join(i2 + b for b in body) + ",", i1)
        self.replace(call, "%s(%s).set_display_name(%s)" % (comp, ", ".join(call_args), self.q(name_node.value)))
        self.converted.append("ContainerOp %s → @dsl.container_component %s" % (name_node.value, comp))
        return text

    def suffix(self, call):
        """The `.method(...)` part of a call on a value: replaced without touching the value (which may be converted too)."""
        v = call.func.value
        return {"start": self.pos(v.end_lineno, v.end_col_offset), "end": self.pos(call.end_lineno, call.end_col_offset)}

    def prefix(self, node, text):
        """Text before a value; merged into an edit that starts there (a converted ContainerOp), else inserted."""
        p = self.pos(node.lineno, node.col_offset)
        for e in self.edits:
            if e["start"] == p and e["end"] != p:
                e["text"] = text + e["text"]
                return
        self.edits.append({"start": p, "end": p, "text": text})

    def convert_task_method(self, call):
        attr = call.func.attr
        if attr == "apply" and len(call.args) == 1 and self.is_call_to(call.args[0], "use_gcp_secret"):
            inner = call.args[0]
            kw = {k.arg: k.value for k in inner.keywords if k.arg}
            secret = inner.args[0] if inner.args else kw.get("secret_name")
            if not (secret is None or (isinstance(secret, ast.Constant) and isinstance(secret.value, str))) or set(kw) - {"secret_name"} or len(inner.args) > 1:
                self.note(call, "use_gcp_secret", "only use_gcp_secret(secret_name) with a fixed name is converted")
                return
            secret_value = secret.value if secret is not None else "user-gcp-sa"
            key = "%s/%s.json" % (GCP_MOUNT, secret_value)
            # kfp 1.8 gcp.py: the secret at /secret/gcp-credentials, both variables pointing at {secret}.json.
            self.prefix(call.func.value, "kubernetes.use_secret_as_volume(")
            self.edits.append(dict(self.suffix(call), text=", secret_name=%s, mount_path=%s).set_env_variable(%s, %s).set_env_variable(%s, %s)" % (
                self.q(secret_value), self.q(GCP_MOUNT), self.q("GOOGLE_APPLICATION_CREDENTIALS"), self.q(key), self.q("CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE"), self.q(key))))
            self.need_kubernetes = True
            self.converted.append("use_gcp_secret(%s) → kubernetes.use_secret_as_volume" % secret_value)
        elif attr == "set_gpu_limit":
            n = call.args[0] if call.args else next((k.value for k in call.keywords if k.arg == "gpu"), None)
            vendor = next((k.value for k in call.keywords if k.arg == "vendor"), call.args[1] if len(call.args) > 1 else None)
            if n is None:
                return
            if not (vendor is None or (isinstance(vendor, ast.Constant) and vendor.value == "nvidia")):
                self.note(call, "set_gpu_limit", "only nvidia GPUs are mapped to an accelerator type")
                return
            self.edits.append(dict(self.suffix(call), text=".set_accelerator_type(%s).set_accelerator_limit(%s)" % (self.q("nvidia.com/gpu"), self.seg(n))))
            self.converted.append("set_gpu_limit → set_accelerator_type + set_accelerator_limit")
        elif attr in ("add_pvolumes", "add_volume", "add_volume_mount", "add_env_variable", "add_sidecar", "add_init_container", "set_timeout", "add_resource_request", "add_resource_limit"):
            if attr == "add_env_variable" and len(call.args) == 1 and self.is_call_to(call.args[0], "V1EnvVar"):
                kw = {k.arg: k.value for k in call.args[0].keywords if k.arg}
                if set(kw) == {"name", "value"}:
                    self.edits.append(dict(self.suffix(call), text=".set_env_variable(%s, %s)" % (self.seg(kw["name"]), self.seg(kw["value"]))))
                    self.converted.append("add_env_variable(V1EnvVar) → set_env_variable")
                    return
            self.note(call, attr, "v2 has no %s: use kfp-kubernetes or the task's own setters" % attr)
        elif attr == "apply":
            self.note(call, "apply", "only .apply(use_gcp_secret(...)) is converted")

    def convert_func_to_container_op(self):
        funcs = {f.name: f for f in self.tree.body if isinstance(f, ast.FunctionDef)}
        components = {}
        for node in ast.walk(self.tree):
            # @func_to_container_op / @create_component_from_func(...) on a def
            if isinstance(node, ast.FunctionDef):
                for d in node.decorator_list:
                    target = d.func if isinstance(d, ast.Call) else d
                    if (self.dotted(target) or "").split(".")[-1] in ("func_to_container_op", "create_component_from_func"):
                        args = self._component_kwargs(d if isinstance(d, ast.Call) else None)
                        if args is None:
                            self.note(node, "func_to_container_op", "only base_image and packages_to_install are converted")
                            continue
                        self.replace(d, "dsl.component(%s)" % args)
                        components[node.name] = [a.arg for a in node.args.args]
                        self.converted.append("@%s %s → @dsl.component" % (target.attr if isinstance(target, ast.Attribute) else target.id, node.name))
            # op = func_to_container_op(fn, base_image=…)
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and self.is_call_to(node.value, "func_to_container_op", "create_component_from_func"):
                call = node.value
                fname = call.args[0].id if call.args and isinstance(call.args[0], ast.Name) else None
                fdef = funcs.get(fname)
                args = self._component_kwargs(call, skip_first=True)
                if fdef is None or args is None:
                    self.note(node, "func_to_container_op", "the function is not defined in this file, or other options are given")
                    continue
                indent = re.match(r"^[ \t]*", self.lines[fdef.lineno - 1]).group(0)
                first = min([fdef.lineno] + [d.lineno for d in fdef.decorator_list])
                self.insert_line_before(first, "%s@dsl.component(%s)\n" % (indent, args))
                self.replace(call, fname)
                self.converted.append("func_to_container_op(%s) → @dsl.component" % fname)
                components[fname] = [a.arg for a in fdef.args.args]
                for t in node.targets:
                    if isinstance(t, ast.Name):
                        components[t.id] = components[fname]
        self.keyword_calls(components)

    def convert_loaded_components(self):
        """Components loaded from a v1 component.yaml: v2 sanitizes their input and output names (kfp dsl/utils.py
        sanitize_input_name) and takes keyword arguments only, so positional calls get the names and
        task.outputs['Display Name'] the sanitized key."""
        loaded = {}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) and self.is_call_to(node.value, "load_component_from_file"):
                arg = node.value.args[0] if node.value.args else None
                if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)) or not self.path:
                    continue
                spec = read_component_io(os.path.join(os.path.dirname(self.path), arg.value))
                if spec is None:
                    self.note(node, "load_component_from_file", "%s could not be read here, so its calls are not checked" % arg.value)
                    continue
                loaded[node.targets[0].id] = spec
        if not loaded:
            return
        self.keyword_calls({k: [sanitize_io_name(n) for n in v["inputs"]] for k, v in loaded.items()})
        tasks = {}
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                call = node.value
                while isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Call):
                    call = call.func.value
                if isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id in loaded:
                    tasks[node.targets[0].id] = loaded[call.func.id]["outputs"]
        for node in ast.walk(self.tree):
            if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and node.value.attr == "outputs"
                    and isinstance(node.value.value, ast.Name) and node.value.value.id in tasks
                    and isinstance(node.slice, ast.Constant) and isinstance(node.slice.value, str)):
                key = node.slice.value
                new = sanitize_io_name(key)
                if key in tasks[node.value.value.id] and new != key:
                    self.replace(node.slice, self.q(new))
                    self.converted.append("outputs[%r] → outputs[%r] (v2 sanitizes component.yaml names)" % (key, new))

    def keyword_calls(self, components):
        """v2 components take keyword arguments only: positional calls to the converted function components are rewritten."""
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in components and node.args:
                params = components[node.func.id]
                if len(node.args) > len(params) or any(isinstance(a, ast.Starred) for a in node.args):
                    self.note(node, node.func.id, "v2 components take keyword arguments; this call's positional arguments could not be named")
                    continue
                parts = ["%s=%s" % (p, self.seg(a)) for p, a in zip(params, node.args)] + [self.seg(k) for k in node.keywords]
                self.replace(node, "%s(%s)" % (node.func.id, ", ".join(parts)))
                self.converted.append("%s(...) called with keyword arguments" % node.func.id)

    def _component_kwargs(self, call, skip_first=False):
        """dsl.component's arguments; base_image is always written, v1's default (python:3.7, kfp 1.8 _python_op.py)
        when none was given, so the step keeps its image (v2's default differs)."""
        parts = []
        given = set()
        for k in (call.keywords if call is not None else []):
            if k.arg in ("base_image", "packages_to_install"):
                parts.append("%s=%s" % (k.arg, self.seg(k.value)))
                given.add(k.arg)
            else:
                return None
        if call is not None and len(call.args) > (1 if skip_first else 0):
            return None
        if "base_image" not in given:
            parts.insert(0, "base_image=%s" % self.q("python:3.7"))
        return ", ".join(parts)

    def convert_conditions(self):
        for node in ast.walk(self.tree):
            if isinstance(node, ast.With):
                for item in node.items:
                    c = item.context_expr
                    if isinstance(c, ast.Call) and isinstance(c.func, ast.Attribute) and c.func.attr == "Condition":
                        self.edits.append({"start": self.pos(c.func.end_lineno, c.func.end_col_offset - len("Condition")), "end": self.pos(c.func.end_lineno, c.func.end_col_offset), "text": "If"})
                        self.converted.append("dsl.Condition → dsl.If")

    def convert_compile_paths(self):
        # v1 wrote .tar.gz/.zip packages; the v2 compiler writes YAML and refuses other extensions.
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "compile" and len(node.args) + len(node.keywords) >= 2:
                path = node.args[1] if len(node.args) > 1 else next((k.value for k in node.keywords if k.arg == "package_path"), None)
                for c in ast.walk(path) if path is not None else []:
                    if isinstance(c, ast.Constant) and isinstance(c.value, str):
                        m = re.search(r"\.(tar\.gz|tgz|zip)$", c.value)
                        if m:
                            self.replace(c, self.q(c.value[:m.start()] + ".yaml"))
                            self.converted.append("compile to %s → YAML" % c.value)

    def flag_unsupported(self):
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Call) and self.is_call_to(node, "VolumeOp", "ResourceOp", "PipelineVolume", "VolumeSnapshotOp", "PipelineConf", "get_pipeline_conf", "InputArgumentPath", "RawComponent"):
                self.note(node, (self.dotted(node.func) or "").split(".")[-1], "v2 has no counterpart: see the KFP migration guide (kfp-kubernetes for volumes)")

    def fix_imports(self):
        def binds(name):
            for n in self.tree.body:
                if isinstance(n, ast.ImportFrom) and any((a.asname or a.name) == name for a in n.names):
                    return True
                if isinstance(n, ast.Import) and any(a.asname == name for a in n.names):
                    return True
            return False
        imports = [n for n in self.tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
        after = imports[-1].end_lineno + 1 if imports else 1
        add = []
        if not binds("dsl"):
            add.append("from kfp import dsl\n")
        if self.need_kubernetes and not binds("kubernetes"):
            add.append("from kfp import kubernetes\n")
        if add:
            self.insert_line_before(after, "".join(add))
        # func_to_container_op and create_component_from_func exist only in v1: their imports go once unused.
        for n in imports:
            if not (isinstance(n, ast.ImportFrom) and n.module in ("kfp.components", "kfp.components._python_op")):
                continue
            v1_only = [a for a in n.names if a.name in ("func_to_container_op", "create_component_from_func")]
            if not v1_only:
                continue
            unused = [a for a in v1_only if not any(isinstance(x, ast.Name) and x.id == (a.asname or a.name) and not self._inside_edit(x) for x in ast.walk(self.tree))]
            keep = [a for a in n.names if a not in unused]
            if not unused:
                continue
            if keep:
                self.replace(n, "from %s import %s" % (n.module, ", ".join(a.name + (" as " + a.asname if a.asname else "") for a in keep)))
            else:
                self.replace(n, "%s removed %s (v1 only)" % (MARK, self.seg(n)))
        # kfp.gcp exists only in v1: its import goes when nothing outside the converted code uses what it binds.
        for n in imports:
            gcp_from = isinstance(n, ast.ImportFrom) and (n.module == "kfp.gcp" or (n.module == "kfp" and [a.name for a in n.names] == ["gcp"]))
            gcp_import = isinstance(n, ast.Import) and [a.name for a in n.names] == ["kfp.gcp"]
            if not (gcp_from or gcp_import):
                continue
            bound = {(a.asname or a.name).split(".")[0] for a in n.names}
            still = any(isinstance(x, ast.Name) and x.id in bound and not self._inside_edit(x) for x in ast.walk(self.tree)) if not gcp_import else True
            if still:
                self.note(n, "kfp.gcp", "v2 has no kfp.gcp and the file still uses it")
            else:
                self.replace(n, "%s removed %s (v1 only)" % (MARK, self.seg(n)))

    def _inside_edit(self, node):
        p = [node.lineno - 1, utf16_col(self.lines[node.lineno - 1], node.col_offset)]
        return any(e["start"] != e["end"] and e["start"] <= p < e["end"] for e in self.edits)


def sanitize_io_name(name):
    """kfp 2's sanitize_input_name (sdk/python/kfp/dsl/utils.py), for the inputs and outputs of component.yaml."""
    return re.sub("[^_0-9a-z]+", "_", name.lower()).lstrip("_").rstrip("_")


def read_component_io(path):
    """The input and output names of a component.yaml, in order, read without a YAML library (block or flow lists of
    `name:` entries under top-level `inputs:` / `outputs:`); None when the file cannot be read."""
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    out = {"inputs": [], "outputs": []}
    section = None
    for line in lines:
        top = re.match(r"^([A-Za-z_]+):\s*(.*)$", line)
        if top:
            section = top.group(1) if top.group(1) in out else None
            continue
        if section is None:
            continue
        m = re.match(r"^\s*-\s*\{?\s*name:\s*(['\"]?)(.*?)\1\s*(,|\}|$)", line)
        if m:
            out[section].append(m.group(2).strip())
    return out


def shell_quote(s):
    return s if re.match(r"^[\w@%+=:,./-]+$", s) else "'" + s.replace("'", "'\"'\"'") + "'"


def main():
    req = json.load(sys.stdin)
    try:
        out = Converter(req["source"], req.get("entrypoints"), req.get("path")).run()
    except SyntaxError as e:
        out = {"error": "the file does not parse: %s (line %s)" % (e.msg, e.lineno), "line": (e.lineno or 1) - 1}
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
