import { describe, expect, it } from "vitest";
import { serverUrlProblem, serverUrls } from "./server-url";

describe("serverUrlProblem", () => {
  it.each([
    "https://vigil.example:3000",
    "https://10.0.0.5",
    "http://localhost:3000",
    "http://127.0.0.1:3000",
    "http://127.1.2.3",
    "http://[::1]:3000",
  ])("takes %s", (url) => {
    expect(serverUrlProblem(url, false)).toBeNull();
  });

  it.each(["http://10.0.0.5:3000", "http://vigil.example", "http://localhost.evil.example", "http://[::2]"])(
    "refuses plaintext to another host, %s, unless allowed",
    (url) => {
      expect(serverUrlProblem(url, false)).toMatch(/is plaintext HTTP to another host.*--allow-plaintext/);
      expect(serverUrlProblem(url, true)).toBeNull();
    },
  );

  it("names what is wrong with a URL that is not one, or not HTTP", () => {
    expect(serverUrlProblem("vigil:3000", false)).toMatch(
      /must be an http:\/\/ or https:\/\/ URL, not vigil:/,
    );
    expect(serverUrlProblem("not a url", false)).toMatch(/is not a URL/);
    expect(serverUrlProblem("ftp://vigil.example", true)).toMatch(/not ftp:/);
  });
});

describe("serverUrls", () => {
  it("reads one server or several, comma-separated, blanks aside", () => {
    expect(serverUrls("https://a:3000")).toEqual(["https://a:3000"]);
    expect(serverUrls(" https://a:3000, https://b:3000 ,")).toEqual(["https://a:3000", "https://b:3000"]);
  });
});
