/** Types for `bcrypt-pbkdf` (the pure-JS port ssh2 and sshpk already ship; it has no typings of its own). */
declare module 'bcrypt-pbkdf' {
  const bcryptPbkdf: {
    pbkdf(pass: Uint8Array, passlen: number, salt: Uint8Array, saltlen: number, key: Uint8Array, keylen: number, rounds: number): number;
  };
  export default bcryptPbkdf;
}
