// The image config's `User` ("", "www", "1000", "www:staff", "1000:50") as the
// numeric uid/gid the executor needs. Names are looked up in the prepared
// rootfs's /etc/passwd and /etc/group, as runc's libcontainer does; a numeric
// uid missing from passwd runs with gid 0, also as libcontainer does.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TaskRejectedError } from './errors.js';

export interface NumericUser {
  uid: number;
  gid: number;
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
}

/** "name:x:uid:gid:…" lines; malformed lines are skipped, as libc does. */
export function parsePasswd(text: string): PasswdEntry[] {
  return text.split('\n').flatMap((line) => {
    const [name, , uid, gid] = line.split(':');
    if (name === undefined || name === '' || !isNumeric(uid) || !isNumeric(gid)) return [];
    return [{ name, uid: Number(uid), gid: Number(gid) }];
  });
}

/** "name:x:gid:members" lines, as name → gid. */
export function parseGroup(text: string): Map<string, number> {
  const groups = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [name, , gid] = line.split(':');
    if (name !== undefined && name !== '' && isNumeric(gid)) groups.set(name, Number(gid));
  }
  return groups;
}

function isNumeric(value: string | undefined): value is string {
  return value !== undefined && /^[0-9]{1,10}$/.test(value) && Number(value) <= 0xffff_fffe;
}

/** Pure: resolves `user` against the parsed files. Throws TaskRejectedError naming what is missing. */
export function resolveUser(user: string, passwd: readonly PasswdEntry[], groups: ReadonlyMap<string, number>): NumericUser {
  if (user === '') return { uid: 0, gid: 0 };
  const [userPart = '', groupPart] = user.split(':', 2);
  const entry = isNumeric(userPart) ? passwd.find((candidate) => candidate.uid === Number(userPart)) : passwd.find((candidate) => candidate.name === userPart);
  if (entry === undefined && !isNumeric(userPart)) throw missing(`user "${userPart}"`, '/etc/passwd');
  const uid = isNumeric(userPart) ? Number(userPart) : entry!.uid;
  if (groupPart === undefined || groupPart === '') return { uid, gid: entry?.gid ?? 0 };
  if (isNumeric(groupPart)) return { uid, gid: Number(groupPart) };
  const gid = groups.get(groupPart);
  if (gid === undefined) throw missing(`group "${groupPart}"`, '/etc/group');
  return { uid, gid };
}

function missing(what: string, file: string): TaskRejectedError {
  return new TaskRejectedError('EDGE_AGENT_SPEC_UNSUPPORTED', `the image runs as ${what}, which the image's ${file} does not define; fix the image's USER`);
}

/** Reads the rootfs's passwd/group (unless the image runs as root by default) and resolves. */
export async function resolveImageUser(user: string, rootfsPath: string): Promise<NumericUser> {
  if (user === '' || /^[0-9]+:[0-9]+$/.test(user)) return resolveUser(user, [], new Map());
  const read = (file: string): Promise<string> => readFile(join(rootfsPath, 'etc', file), 'utf8').catch(() => '');
  const [passwd, group] = await Promise.all([read('passwd'), read('group')]);
  return resolveUser(user, parsePasswd(passwd), parseGroup(group));
}
