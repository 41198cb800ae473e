/** Thrown when the port to listen on is taken; its message is the one line an operator needs. */
export class PortInUseError extends Error {
  override name = 'PortInUseError';
}

/** Listen, turning "address in use" into one line that names the port and the setting that changes it. */
export async function listenOrExplain(
  listen: () => Promise<unknown>,
  port: number,
  host: string,
  setting: string,
): Promise<void> {
  try {
    await listen();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') {
      throw new PortInUseError(
        `port ${port} on ${host} is already in use: stop what listens there, or choose another port with ${setting}`,
        { cause: e },
      );
    }
    if (code === 'EACCES') {
      throw new PortInUseError(
        `not allowed to listen on port ${port} on ${host} (ports below 1024 need privileges): choose another port with ${setting}`,
        { cause: e },
      );
    }
    throw e;
  }
}
