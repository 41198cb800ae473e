/**
 * Where a profile frame lives: a package name, a file under packages/, node internals, or a VM pseudo-frame.
 * Shared by the CPU and heap profile summaries so that both group frames the same way.
 */
export function place(cf) {
  const url = cf.url || '';
  if (!url) return `(${cf.functionName || 'program'})`;
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 14).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  if (url.startsWith('node:')) return url;
  const pk = url.indexOf('/packages/');
  return pk >= 0 ? url.slice(pk + 1).replace(/^file:\/\//, '') : url.replace(/^file:\/\//, '');
}
