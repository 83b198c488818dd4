import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';

const STANDARD_BASE64 =
  'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const BCRYPT_BASE64 =
  './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** bcrypt's base64: the standard bit packing with its own alphabet, no padding. */
function bcryptBase64(bytes: Buffer): string {
  return [...bytes.toString('base64').replace(/=+$/, '')]
    .map(char => BCRYPT_BASE64[STANDARD_BASE64.indexOf(char)])
    .join('');
}

/**
 * A bcrypt hash of `password`, the only htpasswd format the registry reads.
 *
 * Node has no bcrypt and the test kit may not add a dependency for one, so
 * this borrows the system's crypt(3) through Perl: Debian's libxcrypt
 * implements `$2b$`, and perl-base is an essential package. The password goes
 * through stdin, never the command line. Cost 4, bcrypt's minimum, because the
 * registry checks the hash on every request.
 */
export async function bcryptHash(password: string): Promise<string> {
  const salt = `$2b$04$${bcryptBase64(randomBytes(16))}`;
  const script = 'local $/; my $p = <STDIN>; print crypt($p, $ARGV[0]);';
  const hash = await new Promise<string>((resolve, reject) => {
    const child = execFile(
      'perl',
      ['-e', script, salt],
      { timeout: 10_000 },
      (error, stdout) => (error ? reject(error) : resolve(stdout.trim())),
    );
    child.stdin?.end(password);
  }).catch(error => {
    throw new Error(
      `could not hash the test registry password with bcrypt: running perl failed (${
        (error as Error).message
      }); install perl-base, or start the test registry without auth`,
    );
  });
  if (!/^\$2b\$04\$[./A-Za-z0-9]{53}$/.test(hash)) {
    throw new Error(
      "could not hash the test registry password with bcrypt: this system's " +
        'crypt(3) does not implement $2b$ (Debian and Ubuntu libxcrypt do); ' +
        'start the test registry without auth',
    );
  }
  return hash;
}

/** The contents of an htpasswd file with one bcrypt entry. */
export async function createHtpasswd(
  username: string,
  password: string,
): Promise<string> {
  if (!username || /[:\s]/.test(username)) {
    throw new Error(
      'test registry username must be non-empty without colons or whitespace',
    );
  }
  return `${username}:${await bcryptHash(password)}\n`;
}
