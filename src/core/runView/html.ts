// The run view's markup (no script, no data): the panel serves it under its CSP, and the webview checks and
// benchmarks load the same markup in a plain page.
export const RUN_VIEW_BODY = `<div id="layout">
  <div id="left">
    <div id="toolbar" role="toolbar" aria-label="Run actions">
      <input id="search" type="search" placeholder="Search steps (/)" aria-label="Search steps">
      <button id="zoom-in" class="icon" title="Zoom in (+)" aria-label="Zoom in"><i class="codicon codicon-zoom-in"></i></button>
      <button id="zoom-out" class="icon" title="Zoom out (-)" aria-label="Zoom out"><i class="codicon codicon-zoom-out"></i></button>
      <button id="zoom-fit" class="icon" title="Fit the graph (0)" aria-label="Fit"><i class="codicon codicon-screen-full"></i></button>
      <span class="sep"></span>
      <button data-action="refresh" class="icon" title="Refresh" aria-label="Refresh"><i class="codicon codicon-refresh"></i></button>
      <button data-action="terminate" class="icon" title="Terminate the run" aria-label="Terminate"><i class="codicon codicon-debug-stop"></i></button>
      <button data-action="retry" class="icon" title="Retry the run" aria-label="Retry"><i class="codicon codicon-debug-restart"></i></button>
      <button data-action="clone" class="icon" title="Clone the run" aria-label="Clone"><i class="codicon codicon-copy"></i></button>
      <div class="overflow">
        <button id="more-actions" class="icon" title="More actions" aria-label="More actions" aria-haspopup="menu" aria-expanded="false"><i class="codicon codicon-ellipsis"></i></button>
        <div id="more-menu" role="menu" hidden>
          <button data-action="openWeb" role="menuitem"><i class="codicon codicon-link-external"></i> Open in KFP</button>
          <button data-action="copyRunId" role="menuitem"><i class="codicon codicon-clippy"></i> Copy run ID</button>
          <button data-action="archive" role="menuitem"><i class="codicon codicon-archive"></i> Archive</button>
        </div>
      </div>
    </div>
    <svg id="graph" role="img" aria-label="Pipeline graph"><defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs></svg>
  </div>
  <div id="right">
    <div id="summary" aria-live="polite"></div>
    <div id="failed"></div>
    <div id="details"></div>
    <h3>Steps <span id="table-count" class="muted"></span></h3>
    <table id="tasks" aria-label="Steps and their states"><thead><tr><th scope="col">Step</th><th scope="col">State</th><th scope="col">Pod</th></tr></thead><tbody></tbody></table>
    <div id="table-more"></div>
  </div>
</div>`;
