import type { Provider } from '../../provider.js';
import type { DoctorDeps } from './doctor.js';

export { runDoctor } from './doctor.js';
export type { DoctorReport, Problem } from './doctor.js';

/** The slice of a running provider the doctor uses: its own signer, keys and outbound HTTP client. */
export function doctorDeps(provider: Provider): DoctorDeps {
  return {
    issuer: provider.issuer,
    signer: provider.signer,
    keys: provider.keys,
    sender: provider.sender,
    timeoutMs: provider.config.logout.backchannel_timeout * 1000,
    now: provider.now,
    clients: provider.clients,
  };
}
