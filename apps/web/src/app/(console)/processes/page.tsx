import { Suspense } from "react";
import { ProcessView } from "./process-view";

export const metadata = { title: "Process · Vigil" };

export default function ProcessPage() {
  return (
    <Suspense fallback={<p className="muted">Loading…</p>}>
      <ProcessView />
    </Suspense>
  );
}
