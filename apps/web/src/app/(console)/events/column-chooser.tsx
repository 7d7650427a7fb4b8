"use client";
import { type ColumnKey, columnKeys, columns, defaultColumns } from "./columns";

/** Which columns the table shows; the choice lives in the URL with the filters, so a shared link shows the same. */
export function ColumnChooser(props: { chosen: ColumnKey[]; onChange: (chosen: ColumnKey[]) => void }) {
  const toggle = (key: ColumnKey, on: boolean) => {
    const next = on ? [...props.chosen, key] : props.chosen.filter((k) => k !== key);
    if (next.length > 0) props.onChange(columnKeys.filter((k) => next.includes(k)));
  };
  return (
    <details className="column-chooser">
      <summary>Columns</summary>
      <fieldset>
        <legend className="sr-only">Columns shown</legend>
        {columnKeys.map((key) => (
          <label key={key}>
            <input
              type="checkbox"
              checked={props.chosen.includes(key)}
              disabled={props.chosen.length === 1 && props.chosen.includes(key)}
              onChange={(event) => toggle(key, event.target.checked)}
            />{" "}
            {columns[key].label}
          </label>
        ))}
        <button type="button" onClick={() => props.onChange(defaultColumns)}>
          Default columns
        </button>
      </fieldset>
    </details>
  );
}
