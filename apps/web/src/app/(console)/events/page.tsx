import { Suspense } from "react";
import { Explorer } from "./explorer";

export const metadata = { title: "Events · Vigil" };

export default function EventsPage() {
  return (
    <Suspense fallback={<p className="muted">Loading…</p>}>
      <Explorer />
    </Suspense>
  );
}
