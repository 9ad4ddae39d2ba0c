// A progress line per stage on stderr: a bar, the count, the rate and the ETA; redrawn in place on a
// terminal, printed every few seconds otherwise (CI logs).
export class ProgressBar {
  private start = 0;
  private lastPrint = 0;
  private label = '';
  private readonly tty: boolean;
  private readonly stream: NodeJS.WriteStream;

  constructor(stream: NodeJS.WriteStream = process.stderr) {
    this.stream = stream;
    this.tty = !!stream.isTTY;
  }

  begin(label: string): void {
    this.label = label;
    this.start = performance.now();
    this.lastPrint = 0;
  }

  update(done: number, total: number, extra = ''): void {
    const now = performance.now();
    const elapsed = (now - this.start) / 1000;
    const eta = done > 0 ? (elapsed / done) * (total - done) : NaN;
    const width = 24;
    const filled = Math.round((width * Math.min(done, total)) / Math.max(total, 1));
    const line = `${this.label.padEnd(22)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}  ${fmt(elapsed)} elapsed, ETA ${Number.isFinite(eta) ? fmt(eta) : '?'}${extra ? '  ' + extra : ''}`;
    if (this.tty) this.stream.write(`\r${line.slice(0, (this.stream.columns || 120) - 1).padEnd(Math.min(this.stream.columns || 120, 160) - 1)}`);
    else if (now - this.lastPrint > 5000 || done === total) {
      this.stream.write(line + '\n');
      this.lastPrint = now;
    }
  }

  end(message: string): void {
    if (this.tty) this.stream.write(`\r${' '.repeat(Math.min(this.stream.columns || 120, 160) - 1)}\r`);
    this.stream.write(message + '\n');
  }
}

function fmt(seconds: number): string {
  const s = Math.round(seconds);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}
