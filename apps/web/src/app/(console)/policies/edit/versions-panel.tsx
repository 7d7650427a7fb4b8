"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { lineDiff } from "@/components/line-diff";
import { useTRPC } from "@/trpc/react";
import { minuteUtc } from "../../admin/token-parts";

/** Every published version: compare one with the editor's text, and (admins) roll back to it. */
export function VersionsPanel(props: {
  name: string;
  editorText: string;
  admin: boolean;
  onRolledBack: () => void;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const history = useQuery(trpc.policies.get.queryOptions({ name: props.name }));
  const [compared, setCompared] = useState<number | null>(null);
  const version = useQuery(
    trpc.policies.get.queryOptions(
      { name: props.name, version: compared ?? 1 },
      { enabled: compared !== null },
    ),
  );
  const rollback = useMutation(
    trpc.policies.rollback.mutationOptions({
      onSuccess: async () => {
        await queryClient.invalidateQueries({ queryKey: trpc.policies.pathKey() });
        props.onRolledBack();
      },
    }),
  );
  if (!history.data) return null;
  return (
    <section className="panel versions" aria-label="Versions">
      <h2>Versions</h2>
      <table className="events plain">
        <thead>
          <tr>
            <th>Version</th>
            <th>Published (UTC)</th>
            <th>By</th>
            <th>Why</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {history.data.versions.map((v) => (
            <tr key={v.version}>
              <td>
                {v.version}
                {v.version === history.data.currentVersion && <span className="badge">in force</span>}
              </td>
              <td className="mono nowrap">{minuteUtc(v.publishedMs)}</td>
              <td>{v.publishedBy}</td>
              <td>{v.message}</td>
              <td className="nowrap">
                <button type="button" className="quiet" onClick={() => setCompared(v.version)}>
                  Compare
                </button>
                {props.admin && v.version !== history.data.currentVersion && (
                  <button
                    type="button"
                    className="quiet"
                    disabled={rollback.isPending}
                    onClick={() => rollback.mutate({ name: props.name, toVersion: v.version })}
                  >
                    Roll back to this
                  </button>
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {rollback.error && <p className="error">Roll-back failed: {rollback.error.message}</p>}
      {compared !== null && version.data?.version === compared && (
        <section className="diff" aria-label={`Version ${compared} against the editor`}>
          <h3>Version {compared} → the editor</h3>
          <pre>
            {lineDiff(version.data.yaml, props.editorText).map((line, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: lines of a fixed diff, never reordered
              <div key={i} className={`diff-${line.kind}`}>
                {line.kind === "added" ? "+ " : line.kind === "removed" ? "- " : "  "}
                {line.text}
              </div>
            ))}
          </pre>
        </section>
      )}
    </section>
  );
}
