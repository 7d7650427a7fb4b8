"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useTRPC } from "@/trpc/react";
import { minuteUtc } from "../admin/token-parts";

type Template = { file: string; name: string; description: string };

export function PolicyList({ canAuthor, templates }: { canAuthor: boolean; templates: Template[] }) {
  const trpc = useTRPC();
  const list = useQuery(trpc.policies.list.queryOptions());
  return (
    <section>
      <h1>Policies</h1>
      {list.isError && (
        <p role="alert" className="error">
          Cannot load the policies: {list.error.message}
        </p>
      )}
      {list.isPending && <p className="muted">Loading…</p>}
      {list.data?.length === 0 && <p className="muted">No policy is published yet.</p>}
      {list.data && list.data.length > 0 && (
        <table className="events plain policies">
          <thead>
            <tr>
              <th>Name</th>
              <th>Mode</th>
              <th>Rules</th>
              <th>Version</th>
              <th>Published (UTC)</th>
              <th>By</th>
              <th>Why</th>
            </tr>
          </thead>
          <tbody>
            {list.data.map((p) => (
              <tr key={p.name}>
                <td>
                  <Link href={`/policies/edit?${new URLSearchParams({ name: p.name })}`}>{p.name}</Link>
                  {p.description && <div className="muted">{p.description}</div>}
                </td>
                <td>
                  <span className={`badge mode-${p.mode}`}>{p.mode}</span>
                </td>
                <td>{p.rules}</td>
                <td>{p.version}</td>
                <td className="mono nowrap">{minuteUtc(p.publishedMs)}</td>
                <td>{p.publishedBy}</td>
                <td>{p.message}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {canAuthor && (
        <>
          <h2>New policy</h2>
          <ul className="templates">
            <li>
              <Link href="/policies/edit">Start from an empty policy</Link>
            </li>
            {templates.map((t) => (
              <li key={t.file}>
                <Link href={`/policies/edit?${new URLSearchParams({ template: t.file })}`}>{t.name}</Link>
                <span className="muted"> — {t.description}</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
