"use client";
import {
  autocompletion,
  type CompletionContext,
  type CompletionResult,
  completionKeymap,
} from "@codemirror/autocomplete";
import { defaultKeymap, history, historyKeymap, indentWithTab } from "@codemirror/commands";
import { yaml } from "@codemirror/lang-yaml";
import { bracketMatching, HighlightStyle, indentOnInput, syntaxHighlighting } from "@codemirror/language";
import { type Diagnostic, lintGutter, lintKeymap, setDiagnostics } from "@codemirror/lint";
import { EditorState } from "@codemirror/state";
import { drawSelection, EditorView, highlightActiveLine, keymap, lineNumbers } from "@codemirror/view";
import { tags } from "@lezer/highlight";
import {
  actions,
  argvKeys,
  fields,
  modes,
  type PolicyError,
  policyKeys,
  ruleEventTypes,
  ruleKeys,
  selectorKeys,
  severities,
} from "@vigil/policy";
import { useEffect, useRef } from "react";

// Every setting the parser accepts, for completion wherever a key may be typed.
const keys = [...new Set([...policyKeys, ...selectorKeys, ...ruleKeys, ...argvKeys])];
const values: Record<string, readonly string[]> = {
  on: ruleEventTypes,
  action: actions,
  severity: severities,
  mode: modes,
  apiVersion: ["vigil/v1"],
  kind: ["Policy"],
};

/** Colours from the console's palette, so the editor reads well in light and dark mode. */
const highlight = HighlightStyle.define([
  { tag: [tags.propertyName, tags.definition(tags.propertyName)], color: "var(--accent)" },
  { tag: [tags.string, tags.special(tags.string)], color: "var(--string)" },
  { tag: [tags.number, tags.bool, tags.null, tags.keyword], color: "var(--danger)" },
  { tag: [tags.comment, tags.meta], color: "var(--muted)", fontStyle: "italic" },
]);

/** Completion from the policy format itself: settings and field names as keys, the allowed words as values. */
function complete(context: CompletionContext): CompletionResult | null {
  const line = context.state.doc.lineAt(context.pos);
  const before = line.text.slice(0, context.pos - line.from);
  const value = /^\s*(?:-\s+)?(\w+):\s*(\w*)$/.exec(before);
  if (value && values[value[1] as string]) {
    return {
      from: context.pos - (value[2]?.length ?? 0),
      options: (values[value[1] as string] ?? []).map((label) => ({ label, type: "enum" })),
    };
  }
  const key = /^\s*(?:-\s+)?([\w.]*)$/.exec(before);
  if (!key || (!context.explicit && key[1] === "")) return null;
  return {
    from: context.pos - (key[1]?.length ?? 0),
    validFor: /^[\w.]*$/,
    options: [
      ...keys.map((label) => ({ label, apply: `${label}: `, type: "property" })),
      ...fields.map((f) => ({ label: f.name, apply: `${f.name}: `, type: "variable", info: f.about })),
    ],
  };
}

/** Where a problem is, as a range of the document (its line to the end, from its column). */
function diagnostic(state: EditorState, problem: PolicyError): Diagnostic {
  const line = state.doc.line(Math.min(Math.max(problem.line, 1), state.doc.lines));
  const from = Math.min(line.from + Math.max(problem.column - 1, 0), line.to);
  return {
    from,
    to: Math.max(from, line.to),
    severity: "error",
    message: problem.suggestion ? `${problem.message} (${problem.suggestion})` : problem.message,
  };
}

/** A YAML editor that shows `problems` inline; its text is the caller's (`value`, `onChange`). */
export function YamlEditor(props: {
  value: string;
  onChange: (text: string) => void;
  problems: PolicyError[];
  readOnly?: boolean;
  label: string;
}) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const onChange = useRef(props.onChange);
  onChange.current = props.onChange;

  // biome-ignore lint/correctness/useExhaustiveDependencies: made once; value and problems are pushed below
  useEffect(() => {
    const editor = new EditorView({
      parent: host.current as HTMLDivElement,
      state: EditorState.create({
        doc: props.value,
        extensions: [
          lineNumbers(),
          history(),
          drawSelection(),
          highlightActiveLine(),
          indentOnInput(),
          bracketMatching(),
          syntaxHighlighting(highlight),
          keymap.of([...defaultKeymap, ...historyKeymap, ...completionKeymap, ...lintKeymap, indentWithTab]),
          yaml(),
          lintGutter(),
          autocompletion({ override: [complete] }),
          EditorState.readOnly.of(props.readOnly ?? false),
          EditorView.editable.of(!props.readOnly),
          EditorView.contentAttributes.of({ "aria-label": props.label }),
          EditorView.updateListener.of((update) => {
            if (update.docChanged) onChange.current(update.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = editor;
    return () => editor.destroy();
  }, []);

  useEffect(() => {
    const editor = view.current;
    if (editor && editor.state.doc.toString() !== props.value)
      editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: props.value } });
  }, [props.value]);

  useEffect(() => {
    const editor = view.current;
    if (editor)
      editor.dispatch(
        setDiagnostics(
          editor.state,
          props.problems.map((p) => diagnostic(editor.state, p)),
        ),
      );
  }, [props.problems]);

  return <div className="yaml-editor" ref={host} />;
}
