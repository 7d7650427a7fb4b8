"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { PolicyError } from "@vigil/policy";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";
import { useTRPC } from "@/trpc/react";
import { BacktestPanel } from "./backtest-panel";
import { RolloutPanel } from "./rollout-panel";
import { VersionsPanel } from "./versions-panel";
import { YamlEditor } from "./yaml-editor";

const CHECK_AFTER_MS = 300;

/** The policy `name` as published (or `draft` for a new one): edit, check as you type, back-test, publish. */
export function PolicyEditor(props: {
  name: string | null;
  draft: string | null;
  draftKey: string;
  role: string;
}) {
  const trpc = useTRPC();
  const router = useRouter();
  const queryClient = useQueryClient();
  const author = props.role !== "viewer";
  const admin = props.role === "admin";
  const published = useQuery(
    trpc.policies.get.queryOptions({ name: props.name ?? "" }, { enabled: props.name !== null }),
  );
  const [text, setText] = useState<string | null>(props.draft);
  const [restored, setRestored] = useState(false);
  const [basedOn, setBasedOn] = useState<number | null>(null);
  const [problems, setProblems] = useState<PolicyError[] | null>(null);
  const [message, setMessage] = useState("");
  const [canary, setCanary] = useState(""); // hosts to try a version on first; empty: all at once

  // The published text fills the editor once; later reloads (after a publish) only move the base version.
  useEffect(() => {
    if (!published.data) return;
    setBasedOn(published.data.currentVersion);
    setText((current) => current ?? published.data.yaml);
  }, [published.data]);

  // Unpublished edits are kept in this tab's session storage: following an example to the explorer and coming
  // back, or reloading, loses nothing.
  const storageKey = `vigil.draft.${props.draftKey}`;
  const base = published.data?.yaml ?? props.draft;
  useEffect(() => {
    const kept = author ? window.sessionStorage.getItem(storageKey) : null;
    if (kept === null) return;
    setText(kept);
    setRestored(true);
  }, [author, storageKey]);
  useEffect(() => {
    if (!author || text === null || base === null) return;
    if (text === base) window.sessionStorage.removeItem(storageKey);
    else window.sessionStorage.setItem(storageKey, text);
  }, [author, storageKey, text, base]);

  const check = useMutation(trpc.policies.check.mutationOptions({ onSuccess: (r) => setProblems(r.errors) }));
  const { mutate: runCheck } = check;
  useEffect(() => {
    if (text === null || !author) return;
    const timer = setTimeout(() => runCheck({ yaml: text }), CHECK_AFTER_MS);
    return () => clearTimeout(timer);
  }, [text, author, runCheck]);

  const publish = useMutation(
    trpc.policies.publish.mutationOptions({
      onSuccess: async (done) => {
        window.sessionStorage.removeItem(storageKey);
        setRestored(false);
        setMessage("");
        setCanary("");
        setBasedOn(done.version);
        await queryClient.invalidateQueries({ queryKey: trpc.policies.pathKey() });
        if (props.name !== done.name)
          router.replace(`/policies/edit?${new URLSearchParams({ name: done.name })}`);
      },
    }),
  );

  if (published.isError)
    return (
      <p role="alert" className="error">
        Cannot load the policy: {published.error.message}
      </p>
    );
  if (text === null) return <p className="muted">Loading…</p>;
  const ready = problems !== null && problems.length === 0 && !check.isPending;
  const unchanged = basedOn !== null && text === published.data?.yaml; // nothing to publish
  return (
    <section className="policy-editor">
      <h1>
        {props.name ?? "New policy"}
        {basedOn !== null && <span className="badge">version {basedOn} in force</span>}
      </h1>
      {restored && text !== base && (
        <p className="muted">
          Your unpublished edits of this policy were kept in this tab.{" "}
          <button
            type="button"
            className="quiet"
            onClick={() => {
              setRestored(false);
              setText(base);
            }}
          >
            Discard them
          </button>
        </p>
      )}
      <YamlEditor
        value={text}
        onChange={(next) => {
          setText(next);
          setProblems(null);
        }}
        problems={problems ?? []}
        readOnly={!author}
        label="Policy YAML"
      />
      {author && (
        <div className="problems" aria-live="polite">
          {problems === null ? (
            <p className="muted">Checking…</p>
          ) : problems.length === 0 ? (
            <p className="ok">No problems.</p>
          ) : (
            <ul aria-label="Problems">
              {problems.map((p) => (
                <li key={`${p.line}:${p.column}:${p.path}:${p.message}`} className="error">
                  Line {p.line}, column {p.column}: {p.message}
                  {p.suggestion && <span className="muted"> — {p.suggestion}</span>}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {author && <BacktestPanel yaml={text} ready={ready} />}
      {admin ? (
        <form
          className="panel publish"
          aria-label="Publish"
          onSubmit={(e) => {
            e.preventDefault();
            publish.mutate({ yaml: text, message, basedOn, canary: canary ? Number(canary) : null });
          }}
        >
          <h2>Publish</h2>
          <label>
            What changed and why{" "}
            <input value={message} onChange={(e) => setMessage(e.target.value)} maxLength={500} required />
          </label>
          <label>
            Canary: first to{" "}
            <input
              type="number"
              min={1}
              className="narrow"
              value={canary}
              onChange={(e) => setCanary(e.target.value)}
              placeholder="all"
            />{" "}
            hosts, the rest when promoted
          </label>
          <button type="submit" disabled={!ready || publish.isPending || unchanged}>
            {basedOn === null ? "Publish version 1" : `Publish version ${basedOn + 1}`}
          </button>
          {unchanged && <span className="muted"> The text is the version in force.</span>}
          {publish.error && <p className="error">Not published: {publish.error.message}</p>}
          {publish.data && <p className="ok">Published version {publish.data.version}.</p>}
        </form>
      ) : (
        <p className="muted">Publishing and rolling back need the admin role.</p>
      )}
      {props.name && <RolloutPanel name={props.name} admin={admin} />}
      {props.name && (
        <VersionsPanel
          name={props.name}
          editorText={text}
          admin={admin}
          onRolledBack={async () => {
            publish.reset();
            const fresh = await published.refetch();
            if (fresh.data) {
              setText(fresh.data.yaml);
              setBasedOn(fresh.data.currentVersion);
            }
          }}
        />
      )}
    </section>
  );
}
