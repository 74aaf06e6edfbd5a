/** Exhaustiveness check for closed unions: a new member that is not handled does not compile. */
export function assertNever(x: never): never {
  throw new Error(`unexpected value ${JSON.stringify(x)}`);
}
