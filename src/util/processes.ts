// Whether a process left something behind that is still its own: a lock, a temp folder named after its pid.

/** Whether a process of this host still runs (EPERM: it does, under another user). */
export function isProcessRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
