// The live progress line: target, phase, rate, elapsed/duration and a rough ETA of the whole run (in a suite:
// the scenario too, and the ETA of the whole suite).

export class Progress {
  #timer: NodeJS.Timeout | undefined;
  #started = Date.now();
  #line = '';
  /** In a suite: the scenario's label and the planned seconds of the scenarios after it. */
  #suite: { label: string; afterS: number } | undefined;

  constructor(
    private readonly quiet: boolean,
    private readonly tty: boolean,
    private plannedS: number,
  ) {}

  replan(plannedS: number): void {
    this.plannedS = plannedS;
  }

  /** A suite's next scenario: its clock starts now, and the ETA adds the scenarios still to come. */
  scenario(label: string, plannedS: number, afterS: number): void {
    this.#suite = { label, afterS };
    this.#started = Date.now();
    this.plannedS = plannedS;
  }

  #eta(): string {
    const after = this.#suite?.afterS ?? 0;
    const left = Math.max(0, this.plannedS - (Date.now() - this.#started) / 1000) + after;
    return left >= 60
      ? `~${Math.floor(left / 60)}m${String(Math.round(left % 60)).padStart(2, '0')}s`
      : `~${Math.round(left)}s`;
  }

  /** Announces a phase; on a terminal the line updates in place until `end()`. */
  phase(target: string, phase: string, rate: number | undefined, durationS: number): void {
    this.end();
    if (this.quiet) return;
    const t0 = Date.now();
    const render = () => {
      const el = (Date.now() - t0) / 1000;
      const r = rate === undefined ? '' : ` ${rate} req/s`;
      const where = this.#suite ? `${this.#suite.label} ` : '';
      const eta = this.#suite ? 'suite ETA' : 'run ETA';
      this.#line = `${where}[${target}] ${phase}${r}  ${el.toFixed(1)}/${durationS.toFixed(1)} s  ${eta} ${this.#eta()}`;
      if (this.tty) process.stderr.write(`\r\x1b[2K${this.#line}`);
    };
    render();
    if (this.tty) {
      this.#timer = setInterval(render, 250);
      this.#timer.unref();
    }
  }

  /** Ends the live line with an outcome. */
  end(outcome?: string): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.quiet || !this.#line) return;
    const text = outcome ? `${this.#line.replace(/ {2}\d+\.\d\/.*$/, '')} → ${outcome}` : this.#line;
    if (this.tty) process.stderr.write(`\r\x1b[2K${text}\n`);
    else process.stderr.write(`${text}\n`);
    this.#line = '';
  }

  info(msg: string): void {
    this.end();
    if (!this.quiet) process.stderr.write(`${msg}\n`);
  }
}
