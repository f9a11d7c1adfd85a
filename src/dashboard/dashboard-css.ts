/** The dashboard's one stylesheet, served as `/static/dashboard.css` (a module, so `tsc` ships it in dist/). */
export const DASHBOARD_CSS = `
:root {
  --fg: #1f2328;
  --muted: #59636e;
  --line: #d1d9e0;
  --bg: #ffffff;
  --bg-soft: #f6f8fa;
  --good: #1a7f37;
  --bad: #cf222e;
  --warn: #9a6700;
  --link: #0969da;
  font-family: system-ui, -apple-system, 'Segoe UI', sans-serif;
  font-size: 14px;
  color: var(--fg);
  background: var(--bg);
}
@media (prefers-color-scheme: dark) {
  :root {
    --fg: #e6edf3;
    --muted: #9198a1;
    --line: #3d444d;
    --bg: #0d1117;
    --bg-soft: #151b23;
    --good: #3fb950;
    --bad: #f85149;
    --warn: #d29922;
    --link: #4493f8;
  }
}
body { margin: 0; }
a { color: var(--link); text-decoration: none; }
a:hover { text-decoration: underline; }
header {
  display: flex; align-items: center; gap: 1rem;
  padding: 0.6rem 1.2rem; border-bottom: 1px solid var(--line); background: var(--bg-soft);
}
header .brand { font-weight: 700; color: var(--fg); }
#breadcrumbs ol { list-style: none; display: flex; gap: 0.4rem; margin: 0; padding: 0; }
#breadcrumbs li + li::before { content: '\\203A'; color: var(--muted); margin-right: 0.4rem; }
#breadcrumbs [aria-current] { font-weight: 600; }
main { padding: 1rem 1.2rem 3rem; max-width: 1400px; }
h1 { font-size: 1.4rem; margin: 0.2rem 0 1rem; }
h2 { font-size: 1.1rem; margin: 1.6rem 0 0.6rem; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 0.35rem 0.6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-weight: 600; color: var(--muted); background: var(--bg-soft); }
td.num { font-variant-numeric: tabular-nums; }
.muted { color: var(--muted); }
.message { white-space: pre-wrap; }
.badge {
  display: inline-block; padding: 0 0.45rem; border-radius: 1rem; border: 1px solid currentColor;
  font-size: 0.8rem; line-height: 1.4rem; white-space: nowrap;
}
.good { color: var(--good); }
.bad { color: var(--bad); }
.unknown { color: var(--warn); }
.counts { display: flex; gap: 1.5rem; margin: 0 0 1rem; }
.counts .count { font-size: 1.6rem; font-weight: 600; display: block; }
form.filter { margin: 0 0 1rem; }
form.filter input { font: inherit; padding: 0.3rem 0.5rem; width: 100%; max-width: 32rem; box-sizing: border-box; }
dl.summary { display: grid; grid-template-columns: max-content 1fr; gap: 0.3rem 1rem; margin: 0 0 1rem; }
dl.summary dt { color: var(--muted); }
dl.summary dd { margin: 0; }
#waiting {
  border: 1px solid var(--warn); border-left-width: 6px; padding: 0.6rem 0.9rem; margin: 0 0 1rem;
  font-size: 1.05rem; background: var(--bg-soft);
}
#waiting .since { color: var(--muted); font-size: 0.9rem; }
ul.tree, ul.tree ul { list-style: none; margin: 0; padding-left: 1.4rem; }
ul.tree { padding-left: 0; }
ul.tree ul { border-left: 1px solid var(--line); }
ul.tree .row { display: flex; flex-wrap: wrap; align-items: baseline; gap: 0.5rem; padding: 0.25rem 0; }
ul.tree .name { font-weight: 500; }
ul.tree .blocking { flex-basis: 100%; margin-left: 1rem; color: var(--muted); }
ul.tree .missing .name { color: var(--bad); }
tr.warning td { background: color-mix(in srgb, var(--warn) 8%, transparent); }
.deleting { color: var(--bad); font-weight: 600; }
.notice { padding: 0.8rem 1rem; border: 1px solid var(--line); background: var(--bg-soft); }
`;
