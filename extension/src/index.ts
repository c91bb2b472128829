/**
 * nbprod in JupyterLab 4.
 *
 * - tells the kernel (comm "nbprod.live", opened by `%load_ext nbprod`) the notebook's path
 *   and cells (ids, order, sources, edited since run) on open, on every change and after
 *   every execution, so the live checks are right before any save and after a rename;
 * - shows each finding on its cell (a marker under the prompt, the message on hover and
 *   click) and marks cells whose inputs were re-computed since they ran as stale;
 * - a side panel with the readiness checklist (the kernel's, as JSON) whose cell links
 *   select the cell, and commands to check, export and verify the current notebook.
 */
import {
  ILabShell,
  JupyterFrontEnd,
  JupyterFrontEndPlugin
} from '@jupyterlab/application';
import { ICommandPalette } from '@jupyterlab/apputils';
import {
  INotebookTracker,
  Notebook,
  NotebookActions,
  NotebookPanel
} from '@jupyterlab/notebook';
import { Kernel, KernelMessage } from '@jupyterlab/services';
import { Widget } from '@lumino/widgets';

const TARGET = 'nbprod.live';
const PANEL_ID = 'nbprod-checklist-panel';

interface IFinding {
  rule: string;
  message: string;
  fix: string;
  line: number | null;
}

interface IItem {
  id: string;
  title: string;
  kind: string;
  score: number | null;
  status: string;
  reason: string;
  fix: string;
  cell: number | null;
  cell_id: string | null;
  line: number | null;
}

interface ISection {
  id: string;
  title: string;
  score: number;
  points: number;
  max: number;
  items: IItem[];
}

interface IChecklist {
  overall: number;
  weakest: string;
  sections: ISection[];
  warnings?: string[];
}

type Data = { [key: string]: any };

/** One notebook's link to its kernel. */
class Connection {
  constructor(panel: NotebookPanel, app: App) {
    this.panel = panel;
    this.app = app;
    const ctx = panel.sessionContext;
    ctx.kernelChanged.connect(() => this.kernelChanged());
    ctx.statusChanged.connect((_, status) => {
      if (status === 'restarting' || status === 'dead') {
        this.comm = null;
        this.lastSent = null;
        this.findings = {};
        this.stale = {};
        this.lastRun.clear();
        this.render();
      }
    });
    panel.context.pathChanged.connect(() => this.sendSoon(0));
    panel.content.modelContentChanged.connect(() => this.sendSoon(300));
    panel.disposed.connect(() => this.dispose());
    void ctx.ready.then(() => this.kernelChanged());
  }

  readonly panel: NotebookPanel;
  private app: App;
  private comm: Kernel.IComm | null = null;
  private kernel: Kernel.IKernelConnection | null = null;
  private timer = 0;
  // the notebook as last sent: the kernel is told only what changed (an execution, an
  // output or a new execution count changes nothing it needs, and each message costs the
  // kernel a parse of every cell's source)
  private lastSent: string | null = null;
  private findings: { [id: string]: IFinding[] } = {};
  private stale: { [id: string]: string[] } = {};
  readonly lastRun = new Map<string, string>();
  checklist: IChecklist | null = null;
  cellIds: string[] = [];
  runOutput = '';
  connected = false;

  private kernelChanged(): void {
    const kernel = this.panel.sessionContext.session?.kernel ?? null;
    if (kernel === this.kernel) {
      return;
    }
    this.kernel = kernel;
    this.comm = null;
    this.lastSent = null;
    if (!kernel) {
      return;
    }
    kernel.registerCommTarget(TARGET, (comm: Kernel.IComm) => this.attach(comm));
    // the kernel may have loaded nbprod already (a page reload): ask it
    try {
      const comm = kernel.createComm(TARGET);
      this.attach(comm);
      comm.open(this.state());
    } catch (e) {
      console.debug('nbprod: no comm', e);
    }
  }

  private attach(comm: Kernel.IComm): void {
    this.comm = comm;
    this.lastSent = null; // a new comm (a reload, a restart) gets the whole notebook
    comm.onMsg = (msg: KernelMessage.ICommMsgMsg) => this.received(msg.content.data as Data);
    comm.onClose = () => {
      if (this.comm === comm) {
        this.comm = null;
        this.connected = false;
        this.app.panelChanged(this);
      }
    };
    this.sendSoon(0);
  }

  /** What the kernel needs: path, cells in order, sources, edited since run. */
  state(): Data {
    const model = this.panel.content.model;
    const cells: Data[] = [];
    if (model) {
      for (let i = 0; i < model.cells.length; i++) {
        const cell = model.cells.get(i);
        const source = cell.sharedModel.getSource();
        const ran = this.lastRun.get(cell.id);
        cells.push({
          id: cell.id,
          kind: cell.type,
          source,
          edited: ran !== undefined && ran !== source
        });
      }
    }
    return { type: 'notebook', path: this.panel.context.path, cells };
  }

  sendSoon(ms: number): void {
    window.clearTimeout(this.timer);
    this.timer = window.setTimeout(() => this.sendState(), ms);
  }

  /** The notebook, when it differs from what the kernel was last sent. */
  sendState(): void {
    const state = this.state();
    const key = JSON.stringify(state);
    if (key === this.lastSent) {
      return;
    }
    if (this.send(state)) {
      this.lastSent = key;
    }
  }

  send(data: Data): boolean {
    if (!this.comm || this.comm.isDisposed) {
      return false;
    }
    try {
      this.comm.send(data);
      return true;
    } catch (e) {
      console.debug('nbprod: send failed', e);
      return false;
    }
  }

  executed(cellId: string, source: string): void {
    this.lastRun.set(cellId, source);
    this.sendSoon(0);
  }

  private received(data: Data): void {
    switch (data.type) {
      case 'hello':
        this.connected = true;
        this.app.panelChanged(this);
        break;
      case 'findings':
        this.connected = true;
        this.findings = data.cells || {};
        this.stale = data.stale || {};
        this.render();
        break;
      case 'checklist':
        this.checklist = data.checklist || null;
        this.cellIds = data.cell_ids || [];
        this.app.panelChanged(this);
        break;
      case 'select':
        void selectCell(this.panel, data.cell_id || undefined, data.index, this.app);
        break;
      case 'run-result':
        this.runOutput = `nbprod ${data.what}: exit ${data.code}\n${data.output}`;
        this.app.panelChanged(this);
        break;
    }
  }

  /** Markers on the cells: findings and stale outputs. */
  render(): void {
    for (const cell of this.panel.content.widgets) {
      const id = cell.model.id;
      const node = cell.node;
      node.querySelectorAll(':scope > .nbprod-marker, :scope > .nbprod-popover').forEach(n => n.remove());
      node.classList.remove('nbprod-has-finding', 'nbprod-stale');
      const found = this.findings[id] || [];
      const stale = this.stale[id] || [];
      if (!found.length && !stale.length) {
        continue;
      }
      const lines = found.map(
        f => `${f.rule}${f.line ? ` (line ${f.line})` : ''}: ${f.message}\nfix: ${f.fix}`
      );
      if (stale.length) {
        lines.push(
          `stale output: ${stale.map(n => `'${n}'`).join(', ')} re-computed by another cell since this one ran; run it again`
        );
        node.classList.add('nbprod-stale');
      }
      if (found.length) {
        node.classList.add('nbprod-has-finding');
      }
      const marker = document.createElement('button');
      marker.className = 'nbprod-marker' + (found.length ? '' : ' nbprod-marker-stale');
      marker.textContent = found.length ? found.map(f => f.rule).join(' ') : 'stale';
      marker.title = lines.join('\n\n');
      marker.dataset.rules = found.map(f => f.rule).join(' ');
      marker.onclick = (ev: MouseEvent) => {
        ev.stopPropagation();
        const open = node.querySelector(':scope > .nbprod-popover');
        if (open) {
          open.remove();
          return;
        }
        const pop = document.createElement('div');
        pop.className = 'nbprod-popover';
        for (const line of lines) {
          const p = document.createElement('div');
          p.textContent = line;
          pop.appendChild(p);
        }
        node.appendChild(pop);
      };
      node.appendChild(marker);
    }
  }

  dispose(): void {
    window.clearTimeout(this.timer);
    this.comm = null;
    this.app.forget(this);
  }
}

/** The side panel: the current notebook's readiness checklist and actions. */
class ChecklistPanel extends Widget {
  constructor(app: App) {
    super();
    this.app = app;
    this.id = PANEL_ID;
    this.addClass('nbprod-panel');
    this.title.label = 'nbprod';
    this.title.caption = 'nbprod: production readiness';
  }

  private app: App;

  update(): void {
    const conn = this.app.current();
    const node = this.node;
    node.textContent = '';
    const head = document.createElement('div');
    head.className = 'nbprod-panel-head';
    const h = document.createElement('h2');
    h.textContent = 'Production readiness';
    head.appendChild(h);
    const bar = document.createElement('div');
    bar.className = 'nbprod-panel-actions';
    for (const [cmd, label] of [
      ['nbprod:check', 'Check'],
      ['nbprod:export', 'Export'],
      ['nbprod:verify', 'Verify']
    ]) {
      const b = document.createElement('button');
      b.className = 'jp-mod-styled nbprod-action';
      b.textContent = label;
      b.onclick = () => void this.app.lab.commands.execute(cmd);
      bar.appendChild(b);
    }
    head.appendChild(bar);
    node.appendChild(head);
    if (!conn) {
      node.appendChild(para('Open a notebook to see its checklist.'));
      return;
    }
    const status = para(
      conn.connected
        ? `${conn.panel.context.path}: live checks connected.`
        : `${conn.panel.context.path}: run %load_ext nbprod in the notebook to connect.`
    );
    status.className = 'nbprod-panel-status';
    node.appendChild(status);
    const cl = conn.checklist;
    if (cl) {
      const overall = document.createElement('div');
      overall.className = 'nbprod-overall';
      overall.textContent = `Overall ${Math.round(cl.overall * 100)}%`;
      node.appendChild(overall);
      for (const w of cl.warnings || []) {
        node.appendChild(para(`warning: ${w}`));
      }
      for (const s of cl.sections) {
        node.appendChild(this.section(conn, s, s.id === cl.weakest));
      }
    } else if (conn.connected) {
      node.appendChild(para('Press Check to run the checks on the notebook as it is now.'));
    }
    if (conn.runOutput) {
      const pre = document.createElement('pre');
      pre.className = 'nbprod-run-output';
      pre.textContent = conn.runOutput;
      node.appendChild(pre);
    }
  }

  private section(conn: Connection, s: ISection, open: boolean): HTMLElement {
    const det = document.createElement('details');
    det.className = 'nbprod-section';
    det.open = open;
    const sum = document.createElement('summary');
    sum.textContent = `${s.title}: ${Math.round(s.score * 100)}% (${s.points}/${s.max})`;
    sum.appendChild(meter(s.score));
    det.appendChild(sum);
    for (const item of s.items) {
      const row = document.createElement('div');
      row.className = `nbprod-item nbprod-item-${item.id} nbprod-status-${item.status}`;
      const title = document.createElement('div');
      const score = item.score === null ? '–' : `${item.score}/2`;
      title.textContent = `${item.id} ${score} ${item.title}`;
      row.appendChild(title);
      if (item.reason) {
        const r = document.createElement('div');
        r.className = 'nbprod-reason';
        r.textContent = item.reason;
        row.appendChild(r);
      }
      if (item.fix) {
        const f = document.createElement('div');
        f.className = 'nbprod-fix';
        f.textContent = `fix: ${item.fix.replace(/`/g, '')}`;
        row.appendChild(f);
      }
      if (item.cell !== null && item.cell !== undefined) {
        const link = document.createElement('a');
        link.className = 'nbprod-cell-link';
        link.href = '#';
        link.textContent = `cell ${item.cell + 1}${item.line ? `, line ${item.line}` : ''}`;
        link.onclick = (ev: MouseEvent) => {
          ev.preventDefault();
          void selectCell(conn.panel, item.cell_id || conn.cellIds[item.cell as number], item.cell as number, this.app);
        };
        row.appendChild(link);
      }
      det.appendChild(row);
    }
    return det;
  }
}

function para(text: string): HTMLElement {
  const p = document.createElement('p');
  p.textContent = text;
  return p;
}

function meter(score: number): HTMLElement {
  const outer = document.createElement('span');
  outer.className = 'nbprod-meter';
  const inner = document.createElement('span');
  inner.className = score >= 0.8 ? 'nbprod-good' : score >= 0.5 ? 'nbprod-fair' : 'nbprod-poor';
  inner.style.width = `${Math.round(score * 100)}%`;
  outer.appendChild(inner);
  return outer;
}

/** Scroll to a cell and select it (by id; by index when the id is unknown). */
async function selectCell(panel: NotebookPanel, id: string | undefined, index: number, app: App): Promise<void> {
  const nb: Notebook = panel.content;
  let found = nb.widgets.findIndex(c => c.model.id === id);
  if (found < 0) {
    found = index;
  }
  if (found < 0 || found >= nb.widgets.length) {
    return;
  }
  app.lab.shell.activateById(panel.id);
  nb.deselectAll();
  nb.activeCellIndex = found;
  nb.mode = 'command';
  await nb.scrollToCell(nb.widgets[found], 'center');
  nb.widgets[found].node.focus();
}

class App {
  constructor(lab: JupyterFrontEnd, tracker: INotebookTracker) {
    this.lab = lab;
    this.tracker = tracker;
    this.panel = new ChecklistPanel(this);
  }

  readonly lab: JupyterFrontEnd;
  readonly tracker: INotebookTracker;
  readonly panel: ChecklistPanel;
  private conns = new Map<NotebookPanel, Connection>();

  add(panel: NotebookPanel): void {
    if (!this.conns.has(panel)) {
      this.conns.set(panel, new Connection(panel, this));
    }
  }

  forget(conn: Connection): void {
    this.conns.delete(conn.panel);
    this.panel.update();
  }

  of(panel: NotebookPanel | null): Connection | null {
    return panel ? this.conns.get(panel) ?? null : null;
  }

  current(): Connection | null {
    return this.of(this.tracker.currentWidget);
  }

  panelChanged(conn: Connection): void {
    if (conn === this.current()) {
      this.panel.update();
    }
  }
}

const plugin: JupyterFrontEndPlugin<void> = {
  id: 'nbprod-jupyterlab:plugin',
  description: 'nbprod live findings on their cells and the readiness checklist in a side panel',
  autoStart: true,
  requires: [INotebookTracker],
  optional: [ICommandPalette, ILabShell],
  activate: (
    lab: JupyterFrontEnd,
    tracker: INotebookTracker,
    palette: ICommandPalette | null
  ) => {
    const app = new App(lab, tracker);
    tracker.widgetAdded.connect((_, panel) => app.add(panel));
    tracker.forEach(panel => app.add(panel));
    tracker.currentChanged.connect(() => app.panel.update());
    NotebookActions.executed.connect((_, args) => {
      const panel = tracker.find(p => p.content === args.notebook) ?? null;
      const conn = app.of(panel);
      if (conn) {
        conn.executed(args.cell.model.id, args.cell.model.sharedModel.getSource());
      }
    });
    lab.shell.add(app.panel, 'right', { rank: 600 });
    app.panel.update();

    const run = (what: string) => {
      const conn = app.current();
      if (!conn) {
        return;
      }
      lab.shell.activateById(PANEL_ID);
      if (what === 'check') {
        if (!conn.send({ type: 'checklist' })) {
          conn.runOutput = 'nbprod: run %load_ext nbprod in this notebook first';
        }
      } else {
        conn.runOutput = `nbprod ${what}: running…`;
        if (!conn.send({ type: 'run', what })) {
          conn.runOutput = 'nbprod: run %load_ext nbprod in this notebook first';
        }
      }
      app.panel.update();
    };
    const commands: [string, string, string][] = [
      ['nbprod:check', 'nbprod: Check this notebook (readiness checklist)', 'check'],
      ['nbprod:export', 'nbprod: Export this notebook to a package', 'export'],
      ['nbprod:verify', 'nbprod: Verify this notebook in a fresh kernel', 'verify']
    ];
    for (const [id, label, what] of commands) {
      lab.commands.addCommand(id, {
        label,
        isEnabled: () => tracker.currentWidget !== null,
        execute: () => run(what)
      });
      palette?.addItem({ command: id, category: 'nbprod' });
    }
  }
};

export default plugin;
