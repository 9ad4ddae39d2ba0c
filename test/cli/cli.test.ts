// The `tract` command: usage and exit codes for unknown commands and bad flags, and `info`.
import { describe, expect, it } from 'vitest';
import { tract } from '../helpers/cli.ts';

describe('tract CLI', () => {
  it('prints usage and exits 2 without a command', () => {
    const r = tract([]);
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(/usage: tract <command>/);
    expect(r.stdout).toMatch(/info/);
    expect(r.stdout).toMatch(/bench/);
  });

  it('rejects an unknown command with usage, exit 2', () => {
    const r = tract(['frobnicate']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown command 'frobnicate'/);
    expect(r.stderr).toMatch(/usage: tract <command>/);
  });

  it('rejects an unknown flag with the command usage, exit 2', () => {
    const r = tract(['info', '--frob']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/Unknown option '--frob'/);
    expect(r.stderr).toMatch(/usage: tract info/);
  });

  it('rejects an unknown benchmark, exit 2', () => {
    const r = tract(['bench', 'nope']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/unknown benchmark 'nope'/);
  });

  it('info --json names the adapter and the limits the engine uses', () => {
    const r = tract(['info', '--json']);
    expect(r.status, r.stderr).toBe(0);
    const info = JSON.parse(r.stdout);
    expect(typeof info.adapter).toBe('string');
    expect(info.adapter.length).toBeGreaterThan(3);
    expect(info.limits.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 2 ** 20);
    expect(info.deviceLimits.maxStorageBufferBindingSize).toBe(info.limits.maxStorageBufferBindingSize);
  });

  it('--help prints a command usage and exits 0', () => {
    const r = tract(['bench', '--help']);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/score/);
    expect(r.stdout).toMatch(/matmul/);
  });
});
