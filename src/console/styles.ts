/** The console's stylesheet, inlined in every page (no files to serve, no build). */
export const STYLES = `
:root { color-scheme: light; --fg: #1d232b; --muted: #65707c; --line: #d6dbe1; --bg: #f6f7f9;
  --ok: #1f8a4c; --err: #c62f2f; --warn: #b7791f; --run: #1f6fd1; --susp: #7a4fc9; --idle: #8a949e; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
header { background: #1d232b; color: #fff; padding: 0 20px; display: flex; align-items: center; gap: 20px; height: 48px; }
header a { color: #fff; text-decoration: none; }
header .brand { font-weight: 700; letter-spacing: .02em; }
header nav { display: flex; gap: 16px; flex: 1; }
header form { margin: 0; }
header button { background: transparent; color: #fff; border: 1px solid #4b5562; }
main { padding: 20px; max-width: 1400px; margin: 0 auto; }
h1 { font-size: 22px; margin: 0 0 12px; display: flex; gap: 10px; align-items: center; flex-wrap: wrap; }
h2 { font-size: 16px; margin: 28px 0 10px; }
a { color: #1a5fb4; }
code, .mono, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 12.5px; }
pre { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 10px; overflow: auto; max-height: 480px; white-space: pre-wrap; word-break: break-word; }
.muted { color: var(--muted); }
.note { background: #fff8e1; border: 1px solid #f0d58a; border-radius: 6px; padding: 8px 12px; margin: 0 0 16px; }
.flash { border-radius: 6px; padding: 8px 12px; margin: 0 0 16px; border: 1px solid; }
.flash-success { background: #e8f6ee; border-color: #9fd5b5; }
.flash-error, .invalid { background: #fdecec; border: 1px solid #f0a9a9; border-radius: 6px; padding: 8px 12px; margin: 0 0 16px; }
table { border-collapse: collapse; width: 100%; background: #fff; border: 1px solid var(--line); border-radius: 6px; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #eef1f4; font-weight: 600; font-size: 12.5px; }
tr:last-child td { border-bottom: 0; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; background: #e4e7eb; color: #333; }
.state-running, .state-planning { background: #dce9fb; color: var(--run); }
.state-paused, .result-warning { background: #fdf0d5; color: var(--warn); }
.state-stopped { background: #e4e7eb; color: #333; }
.result-success { background: #dff3e7; color: var(--ok); }
.result-error { background: #fbe0e0; color: var(--err); }
.result-cancelled { background: #e4e7eb; color: #555; }
.state-scheduled, .state-planned { background: #eee; color: #555; }
.badge.state-success { background: #dff3e7; color: var(--ok); }
.badge.state-error { background: #fbe0e0; color: var(--err); }
.badge.state-suspended { background: #ece3fa; color: var(--susp); }
.badge.state-skipping, .badge.state-skipped { background: #fdf0d5; color: var(--warn); }
.badge.state-cancelled { background: #e4e7eb; color: #555; }
.progress { display: inline-flex; align-items: center; gap: 6px; white-space: nowrap; }
.progress progress { width: 110px; height: 10px; }
.percent { font-size: 12px; color: var(--muted); min-width: 34px; }
form.filters { display: flex; flex-wrap: wrap; gap: 10px; align-items: end; margin-bottom: 14px; }
form.filters label { display: flex; flex-direction: column; font-size: 12px; color: var(--muted); }
input, select, button { font: inherit; padding: 4px 8px; border: 1px solid var(--line); border-radius: 4px; background: #fff; }
button { cursor: pointer; background: #f0f2f5; }
button.danger { color: var(--err); border-color: #eab3b3; }
button.primary { background: var(--run); color: #fff; border-color: var(--run); }
.ops { display: flex; gap: 10px; flex-wrap: wrap; align-items: center; margin: 8px 0 4px; }
.ops form { margin: 0; display: inline-flex; gap: 6px; align-items: center; }
.pager { display: flex; gap: 14px; margin-top: 12px; align-items: center; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 4px 16px; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
.graph { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 14px; overflow-x: auto; }
.flow { display: flex; gap: 0; width: max-content; }
.flow.sequence { flex-direction: row; align-items: center; }
.flow.concurrence { flex-direction: column; gap: 8px; padding: 6px 8px; border-left: 2px solid #aeb6bf; border-right: 2px solid #aeb6bf; border-radius: 8px; }
.lane { display: flex; align-items: center; }
.connector { flex: 0 0 26px; height: 2px; background: #8f99a3; position: relative; margin: 0 2px 0 0; }
.connector::after { content: ""; position: absolute; right: -4px; top: -4px; border-left: 7px solid #8f99a3; border-top: 5px solid transparent; border-bottom: 5px solid transparent; }
.step { min-width: 150px; max-width: 240px; border: 2px solid var(--idle); border-radius: 8px; padding: 6px 8px; background: #fff; display: flex; flex-direction: column; gap: 2px; }
.step a { text-decoration: none; color: inherit; }
.step .step-class { font-weight: 600; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; display: block; }
.step .step-meta { font-size: 11.5px; color: var(--muted); display: flex; justify-content: space-between; gap: 6px; }
.step .step-state { font-weight: 600; }
.step progress { width: 100%; height: 6px; }
.step.state-pending, .step.state-scheduling { border-color: var(--idle); background: #fafbfc; }
.step.state-running { border-color: var(--run); background: #eef5fe; animation: pulse 1.4s ease-in-out infinite; }
.step.state-running .step-state::before { content: "● "; color: var(--run); }
.step.state-suspended { border-color: var(--susp); background: #f4effc; }
.step.state-success { border-color: var(--ok); background: #eef8f2; }
.step.state-error { border-color: var(--err); background: #fdeeee; }
.step.state-skipping, .step.state-skipped { border-color: var(--warn); background: #fdf6e7; border-style: dashed; }
.step.state-cancelled { border-color: #555; background: #eceef0; border-style: dashed; }
.step.state-unknown { border-color: var(--err); border-style: dotted; }
@keyframes pulse { 0%, 100% { box-shadow: 0 0 0 0 rgba(31, 111, 209, .55); } 50% { box-shadow: 0 0 0 6px rgba(31, 111, 209, 0); } }
@media (prefers-reduced-motion: reduce) { .step.state-running { animation: none; border-width: 3px; } }
.legend { display: flex; gap: 8px; flex-wrap: wrap; font-size: 12px; margin: 6px 0 0; }
.legend .step { min-width: 0; padding: 0 6px; display: inline-block; }
.world-live { color: var(--ok); font-weight: 600; }
.world-stale { color: var(--err); font-weight: 600; }
.login { max-width: 420px; margin: 60px auto; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 24px; }
.login form { display: flex; flex-direction: column; gap: 10px; }
.log-error td { background: #fdf1f1; }
.log-warn td { background: #fff9ea; }
`;
