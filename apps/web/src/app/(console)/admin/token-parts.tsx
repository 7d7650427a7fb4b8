/** What the API token and enrollment token pages share. */

/** A time to the minute, UTC; a dash for none. */
export const minuteUtc = (ms: number | null) =>
  ms === null ? "—" : new Date(ms).toISOString().slice(0, 16).replace("T", " ");

/** A token just created: its only showing. */
export function NewToken(props: { token: string }) {
  return (
    <div className="card new-token" role="status">
      <p>Copy this token now: it is not shown again.</p>
      <code className="mono">{props.token}</code>
    </div>
  );
}

/** When it was revoked, or the button that revokes it. */
export function RevokeCell(props: { revokedMs: number | null; onRevoke: () => void }) {
  return (
    <td>
      {props.revokedMs ? (
        <span className="muted">revoked {minuteUtc(props.revokedMs)}</span>
      ) : (
        <button type="button" className="quiet" onClick={props.onRevoke}>
          Revoke
        </button>
      )}
    </td>
  );
}
