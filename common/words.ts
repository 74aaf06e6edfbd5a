/** Small pieces of English shared by every door. */

/** "Fivetran's", "Holistics'": a name's possessive, as its guide would be named. */
export function possessive(name: string): string {
  return /s$/i.test(name) ? `${name}'` : `${name}'s`;
}
