import type { Provider } from '../provider.js';
import { doctorDeps, runDoctor, type DoctorReport } from '../admin/doctor/index.js';
import type { TransportReport } from '../admin/doctor/doctor.js';

/**
 * `adieu doctor --client ID [--json]`: test a client's logout endpoints before its users do. Exit code 0 when
 * nothing is wrong, 2 when a problem of severity `error` was found.
 */
export async function doctorClient(provider: Provider, clientId: string, json: boolean): Promise<number> {
  const report = await runDoctor(doctorDeps(provider), clientId);
  console.log(json ? JSON.stringify(report, null, 2) : formatReport(report));
  return report.ok ? 0 : 2;
}

const pad = (s: string, n: number) => (s.length >= n ? `${s} ` : s + ' '.repeat(n - s.length));

/** The report as plain text for a terminal: one line per check, problems last, by name. */
export function formatReport(r: DoctorReport): string {
  const out: string[] = [`client ${r.client_id} (${r.client_name}), checked ${r.checked_at}`, ''];
  const b = r.backchannel;
  if (!b) out.push('back-channel   none registered');
  else {
    out.push(`back-channel   ${b.uri}`);
    out.push(`  transport    ${transportLine(b.transport)}`);
    const a = b.test.answer;
    out.push(
      `  test token   ${a ? `HTTP ${a.status} in ${a.latency_ms} ms${b.test.ok ? ' (accepted)' : ''}` : `failed: ${b.test.error}`}`,
    );
    if (a) {
      for (const [k, v] of Object.entries(a.headers))
        out.push(`               ${k}: ${v.replace(/\n/g, ' | ')}`);
      if (a.body_excerpt) out.push(`  body         ${a.body_excerpt.replace(/\s+/g, ' ').slice(0, 200)}`);
    }
    for (const n of b.negatives) {
      const mark =
        n.verdict === 'rejected' ? 'ok' : n.verdict === 'accepted' ? 'WRONGLY ACCEPTED' : n.verdict;
      out.push(
        `  ${pad(n.label, 22)} ${pad(n.status === null ? '-' : String(n.status), 4)} ${mark}  ${n.detail}`,
      );
    }
  }
  out.push('');
  const f = r.frontchannel;
  if (!f) out.push('front-channel  none registered');
  else {
    out.push(`front-channel  ${f.uri}`);
    out.push(`  transport    ${transportLine(f.transport)}`);
    out.push(
      `  fetch        ${f.answer ? `HTTP ${f.answer.status} in ${f.answer.latency_ms} ms` : `failed: ${f.error}`}`,
    );
    if (f.framing) out.push(`  framing      ${f.framing.blocked ? 'BLOCKED: ' : 'ok: '}${f.framing.reason}`);
    for (const c of f.cookies) {
      out.push(`  cookie       ${c.name}: SameSite=${c.same_site ?? '(unset)'}${c.secure ? '; Secure' : ''}`);
    }
  }
  out.push('');
  if (r.problems.length === 0) out.push('no problems found');
  for (const p of r.problems)
    out.push(`${p.severity === 'error' ? 'ERROR  ' : 'warning'} ${p.check}: ${p.message}`);
  const errors = r.problems.filter((p) => p.severity === 'error').length;
  out.push(`${errors} error(s), ${r.problems.length - errors} warning(s)`);
  return out.join('\n');
}

function transportLine(t: TransportReport): string {
  const tls =
    t.tls === 'not_https'
      ? 'http (no TLS)'
      : t.tls === 'valid'
        ? 'https, certificate trusted'
        : t.tls === 'invalid'
          ? `https, certificate NOT trusted (${t.tls_error})`
          : 'https, not reached';
  const redirects = t.redirects.length
    ? `; redirects: ${t.redirects.map((x) => `${x.status} → ${x.location}`).join(', ')}`
    : '; no redirects';
  return tls + redirects;
}
