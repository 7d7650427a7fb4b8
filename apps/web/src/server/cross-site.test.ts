import { describe, expect, it } from "vitest";
import { crossSite } from "./cross-site";

const post = (headers: Record<string, string>, method = "POST") =>
  new Request("http://vigil.example:3000/api/trpc/auth.signIn", { method, headers });

describe("crossSite", () => {
  it("lets the console's own pages and tools through", () => {
    expect(crossSite(post({ host: "vigil.example:3000", origin: "http://vigil.example:3000" }))).toBe(false);
    expect(crossSite(post({ host: "vigil.example:3000", "sec-fetch-site": "same-origin" }))).toBe(false);
    expect(crossSite(post({ host: "vigil.example:3000" }))).toBe(false); // curl: no browser, no ambient cookie
    expect(
      crossSite(
        post({ host: "vigil.example:3000", origin: "https://evil.example", authorization: "Bearer x" }),
      ),
    ).toBe(false);
    expect(crossSite(post({ host: "vigil.example:3000", origin: "https://evil.example" }, "GET"))).toBe(
      false,
    );
    // behind a proxy that forwards the host the browser used
    expect(
      crossSite(
        post({
          host: "127.0.0.1:3000",
          "x-forwarded-host": "vigil.example",
          origin: "https://vigil.example",
        }),
      ),
    ).toBe(false);
  });

  it("refuses a POST from another site's page", () => {
    expect(crossSite(post({ host: "vigil.example:3000", origin: "https://evil.example" }))).toBe(true);
    expect(crossSite(post({ host: "vigil.example:3000", origin: "http://vigil.example:4000" }))).toBe(true);
    expect(crossSite(post({ host: "vigil.example:3000", origin: "null" }))).toBe(true);
    expect(crossSite(post({ host: "vigil.example:3000", "sec-fetch-site": "cross-site" }))).toBe(true);
    expect(crossSite(post({ host: "vigil.example:3000", "sec-fetch-site": "same-site" }))).toBe(true);
  });
});
