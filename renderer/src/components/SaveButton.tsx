/**
 * Saves text as a file through the browser's (or the desktop window's) own download: the public
 * key a vendor's form wants as a file upload rather than pasted.
 */
export function SaveButton({ text, fileName, label, name }: { text: string; fileName: string; label: string; name?: string }) {
  const save = (): void => {
    const url = URL.createObjectURL(new Blob([text.endsWith('\n') ? text : `${text}\n`], { type: 'text/plain' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = fileName;
    document.body.append(a);
    a.click();
    a.remove();
    // Revoked once the download has surely read it.
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  };
  return (
    <button type="button" className="button" onClick={save} {...(name ? { 'aria-label': name } : {})}>
      {label}
    </button>
  );
}

/** `fivetran@warehouse` → `fivetran_warehouse.pub`: a file name from a key's comment (or its id). */
export function publicKeyFileName(k: { comment: string; id: string }): string {
  const base = (k.comment || `burrow-${k.id}`).replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+|_+$/g, '') || 'burrow-key';
  return `${base.slice(0, 80)}.pub`;
}
