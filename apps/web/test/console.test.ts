import { execFileSync, spawn, spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { securityHeaders } from "../src/server/security-headers";
import {
  dataDir,
  exportedEvents,
  freePort,
  type Running,
  readDb,
  repoRoot,
  startAgent,
  startServer,
} from "./processes";

const artifacts = join(import.meta.dirname, "..", "test-artifacts");
const cli = join(repoRoot, "apps", "cli", "bin", "vigil");
const viewerPassword = "a viewer's long password";
// Markup, quotes, a newline, an escape sequence and bytes that are not UTF-8, as a host could send them.
const sleeper = join(tmpdir(), `vigil-sleeper-${process.pid}`);

/** Runs a copy of sleep from `path` and deletes the file while it runs. */
async function deleteWhileRunning(path: string): Promise<void> {
  copyFileSync("/bin/sleep", path);
  execFileSync("chmod", ["+x", path]);
  const running = spawn(path, ["30"]);
  await new Promise((r) => setTimeout(r, 300));
  rmSync(path);
  running.kill();
}

/** A 100,000-character argument and 2,000 more: the sensor cuts the command line to fit its record. */
const hugeArgs = [
  `huge-${process.pid}`,
  "A".repeat(100_000),
  ...Array.from({ length: 2_000 }, (_, i) => `arg${i}`),
];
const hostileArgs = `'<img src=x onerror=alert(1)>' '<script>alert(2)</script>' "$(printf 'two\\nlines \\033[31mred')" "$(printf 'bad\\377\\376utf8')"`;

// The console in real Chromium against the production build, with events from the real agent on this kernel.
describe("the analyst console in a browser", () => {
  const data = dataDir();
  let server: Running;
  let agent: Running;
  let base: string;
  let browser: Browser;
  const dialogs: string[] = []; // a script from a host that ran would open one
  const binary = join(mkdtempSync(join(tmpdir(), "vigil-console-")), `hostile-${process.pid}`);

  beforeAll(async () => {
    mkdirSync(artifacts, { recursive: true });
    execFileSync(
      cli,
      ["--data-dir", data.dir, "user", "create", "viewer1", "--role", "viewer", "--password-stdin"],
      {
        input: viewerPassword,
      },
    );
    base = `http://127.0.0.1:${await freePort()}`;
    server = await startServer(data.dir, Number(new URL(base).port));
    agent = await startAgent(base, mkdtempSync(join(tmpdir(), "vigil-agent-")), data.enrollToken);
    copyFileSync("/bin/true", binary);
    execFileSync("chmod", ["+x", binary]);
    execFileSync("/bin/sh", ["-c", `exec ${binary} ${hostileArgs}`]);
    execFileSync(binary, hugeArgs);
    spawnSync("/bin/sh", ["-c", `${binary} child-marker-${process.pid}; exit 3`]);
    // A running binary deleted: the built-in detection raises an alert.
    await deleteWhileRunning(sleeper);
    for (let attempt = 0; attempt < 60; attempt++) {
      const found = await exportedEvents(
        base,
        data.apiToken,
        `type=exec&q=${encodeURIComponent(`hostile-${process.pid}`)}`,
      );
      const huge = await exportedEvents(base, data.apiToken, `type=exec&q=huge-${process.pid}`);
      if (found.length > 0 && huge.length > 0) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    browser = await chromium.launch({
      executablePath: "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-background-networking"],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await agent?.stop();
    await server?.stop();
    data.cleanup();
  });

  async function signedIn(name: string, password: string): Promise<Page> {
    const context = await browser.newContext({ baseURL: base, colorScheme: "dark", acceptDownloads: true });
    const page = await context.newPage();
    page.on("dialog", (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    await page.goto("/events");
    await page.waitForURL("**/sign-in");
    await page.getByLabel("User name").fill(name);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL("**/events");
    // Typed into before React has taken over the page, the filters lose the text when it does (a busy machine
    // hydrates late): React marks each element it has hydrated with its props.
    await page.waitForFunction(() => {
      const form = document.querySelector("form.filters");
      return form !== null && Object.keys(form).some((key) => key.startsWith("__reactProps"));
    });
    return page;
  }

  it("refuses a wrong password with a message, and keeps the visitor on the sign-in page", async () => {
    const page = await browser.newPage({ baseURL: base });
    await page.goto("/sign-in");
    await page.getByLabel("User name").fill("admin");
    await page.getByLabel("Password").fill("not the password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect
      .poll(() => page.locator("p[role=alert]").textContent())
      .toContain("wrong user name or password");
    await page.screenshot({ path: join(artifacts, "sign-in.png") });
    expect(page.url()).toContain("/sign-in");
    await page.close();
  });

  it("shows an exec with a 100,000-character argument cut to fit: one row, no sideways scroll, the cut named", async () => {
    const found = await exportedEvents(base, data.apiToken, `type=exec&q=huge-${process.pid}`);
    expect(found).toHaveLength(1);
    const event = found[0] as { process: { argv: string[] }; truncated: string[] };
    const argv = event.process.argv;
    expect(event.truncated).toContain("process.argv");
    expect(argv.slice(0, 2)).toEqual([binary, `huge-${process.pid}`]);
    expect(argv[2]?.startsWith("AAAA")).toBe(true);
    expect(JSON.stringify(argv).length).toBeLessThan(40_000); // within the sensor's 32 KiB record

    const page = await signedIn("admin", "a password for the tests");
    await page.getByLabel("Search").fill(`huge-${process.pid}`);
    await page.getByRole("button", { name: "Apply" }).click();
    const row = page.locator("table.events tbody tr", { hasText: `huge-${process.pid}` });
    await expect.poll(() => row.count()).toBe(1);
    expect((await row.boundingBox())?.height).toBeLessThan(60);
    const overflow = () =>
      page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(await overflow()).toBeLessThanOrEqual(0);

    await row.click();
    const drawer = page.getByRole("complementary");
    await expect.poll(() => drawer.getByText("Raw JSON").count()).toBe(1);
    const cut = drawer.locator(".field-row", { has: page.locator("dt", { hasText: /^truncated$/ }) });
    expect(await cut.locator("dd").textContent()).toContain('"process.argv"');
    const box = await drawer.boundingBox();
    const viewport = page.viewportSize();
    expect((box?.x ?? 0) + (box?.width ?? Infinity)).toBeLessThanOrEqual(viewport?.width ?? 0);
    expect(await overflow()).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(artifacts, "drawer-huge-argv.png") });
    expect(dialogs).toEqual([]);
    await page.context().close();
  });

  it("shows the real exec with hostile argv as text: no script runs, the layout holds", async () => {
    const page = await signedIn("admin", "a password for the tests");
    const search = `hostile-${process.pid}`;
    await page.getByLabel("Search").fill(search);
    await page.getByRole("button", { name: "Apply" }).click();
    await page.waitForURL(`**/events?q=${search}`);
    const row = page
      .locator("table.events tbody tr", { hasText: search })
      .filter({ has: page.locator("td:nth-child(2)", { hasText: /^exec$/ }) })
      .filter({ has: page.locator("td:nth-child(6)", { hasText: binary }) })
      .filter({ hasText: "<script>" });
    await expect.poll(() => row.count()).toBe(1);
    const text = (await row.textContent()) ?? "";
    expect(text).toContain("<script>alert(2)</script>");
    expect(text).toContain("<img src=x onerror=alert(1)>");
    expect(text).toContain("two\\nlines \\u001b[31mred"); // control characters shown, not obeyed
    expect(text).toContain("bad\\xff\\xfeutf8"); // the agent's escapes for bytes that are not UTF-8
    expect(await page.locator("table.events img, table.events script").count()).toBe(0);
    const rowBox = await row.boundingBox();
    expect(rowBox?.height).toBeLessThan(60); // one line: the newline did not break the row
    await page.screenshot({ path: join(artifacts, "events.png"), fullPage: true });

    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: "Export CSV" }).click(),
    ]);
    const csv = readFileSync((await download.path()) as string, "utf8");
    expect(csv.startsWith("time,type,host,pid,ppid,uid,exe,details,verdict,id\r\n")).toBe(true);
    const exec = csv
      .split("\r\n")
      .filter((l) => l.includes(",exec,") && l.includes(`${binary},`) && l.includes("<script>"));
    expect(exec).toHaveLength(1);
    expect(exec[0]).toContain('""<script>alert(2)</script>""'); // argv as JSON, quoted as a CSV field

    await row.click();
    const drawer = page.getByRole("complementary");
    await expect.poll(() => drawer.getByText("Raw JSON").count()).toBe(1);
    expect(await drawer.locator("pre").textContent()).toContain('"type": "exec"');
    await page.screenshot({ path: join(artifacts, "drawer.png") });
    await drawer.getByRole("button", { name: "filter" }).nth(0).click(); // the first pivot: type
    await page.waitForURL(/type=exec/);
    expect(dialogs).toEqual([]);
    await page.context().close();
  });

  it("opens the process view from an event: ancestry, the forked child with its argv, exits", async () => {
    const page = await signedIn("admin", "a password for the tests");
    await page.goto(`/events?type=exec&q=child-marker-${process.pid}`);
    const shell = page
      .locator("table.events tbody tr", { hasText: "/bin/sh -c" })
      .filter({ has: page.locator("td:nth-child(6)", { hasText: "dash" }) });
    await expect.poll(() => shell.count()).toBe(1);
    await shell.click();
    await page.getByRole("link", { name: "Process view" }).click();
    await page.waitForURL(/\/processes\?/);
    const view = page.locator("section.process-view");
    await expect.poll(() => view.locator(".tree .process").count()).toBe(1);
    const child = (await view.locator(".tree .process").textContent()) ?? "";
    expect(child).toContain(binary);
    expect(child).toContain(`child-marker-${process.pid}`);
    expect(child).toContain("exited");
    const focus = (await view.locator(".process.focus").textContent()) ?? "";
    expect(focus).toContain("/usr/bin/dash");
    expect(focus).toContain("with code 3");
    expect(await view.locator(".ancestry > li").count()).toBeGreaterThan(1); // the test runner above it
    await page.screenshot({ path: join(artifacts, "process.png"), fullPage: true });
    await page.context().close();
  });

  it("draws only the rows in view of a long list, loads older ones while scrolling, keeps chosen columns and the order in the URL", async () => {
    const many = join(tmpdir(), `vigil-many-${process.pid}`);
    copyFileSync("/bin/true", many);
    execFileSync("chmod", ["+x", many]);
    execFileSync("/bin/sh", ["-c", `i=0; while [ $i -lt 600 ]; do ${many}; i=$((i + 1)); done`]);
    rmSync(many);
    const query = `type=exec&exe=${encodeURIComponent(many)}`; // its execs, not chmod's or the loop's with it in argv
    await expect
      .poll(async () => (await exportedEvents(base, data.apiToken, query)).length, { timeout: 30_000 })
      .toBe(600);

    const page = await signedIn("admin", "a password for the tests");
    await page.goto(`/events?${query}`);
    const drawn = page.locator("table.events tbody tr[data-index]");
    await expect.poll(() => drawn.count()).toBeGreaterThan(10);
    expect(await drawn.count()).toBeLessThan(100); // a page of 100 is loaded; only those in view are drawn

    // Down the list with the keyboard, past rows that were not drawn when it started.
    await drawn.first().focus();
    for (let i = 0; i < 80; i++) await page.keyboard.press("ArrowDown");
    expect(await page.evaluate(() => document.activeElement?.getAttribute("data-index"))).toBe("80");

    // Scrolling to the end loads the older pages, and still only the rows in view are drawn.
    const more = page.locator(".more");
    for (let i = 0; i < 30 && !(await more.textContent())?.includes("no more"); i++) {
      await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
      await page.waitForTimeout(200);
    }
    expect(await more.textContent()).toContain("600 events, no more");
    await expect.poll(() => page.locator('tr[data-index="599"]').isVisible()).toBe(true);
    expect(await drawn.count()).toBeLessThan(150);

    await page.evaluate(() => window.scrollTo(0, 0));
    const chooser = page.locator(".column-chooser");
    await chooser.getByText("Columns", { exact: true }).click();
    await chooser.getByLabel("UID").click(); // the choice goes to the URL, and the boxes follow it
    await page.waitForURL(/cols=/);
    await chooser.getByLabel("Parent").click();
    await page.waitForURL(/cols=[^&]*parent/);
    expect(await chooser.getByLabel("UID").isChecked()).toBe(false);
    await page.reload();
    await expect.poll(() => drawn.count()).toBeGreaterThan(0);
    const headers = await page.locator("table.events thead th").allTextContents();
    expect(headers).toContain("Parent");
    expect(headers).not.toContain("UID");
    const parentCell = page
      .locator("table.events tbody tr[data-index='0'] td")
      .nth(headers.indexOf("Parent"));
    expect(await parentCell.textContent()).toBe("/usr/bin/dash");

    const timeOf = (index: number) => page.locator(`tr[data-index='${index}'] td`).first().textContent();
    const newest = await timeOf(0);
    await page.getByRole("button", { name: /newest first/ }).click();
    await page.waitForURL(/sort=oldest/);
    await expect.poll(() => timeOf(0)).not.toBe(newest);
    expect(((await timeOf(0)) ?? "") <= ((await timeOf(1)) ?? "")).toBe(true);
    await chooser.getByText("Columns", { exact: true }).click();
    await page.screenshot({ path: join(artifacts, "events-columns.png") });
    await page.context().close();
  });

  it("streams a new exec into the table while live tail is on", async () => {
    const page = await signedIn("admin", "a password for the tests");
    // Only this binary's execs: the other suites' storms would stream past it, out of the rows drawn at the top.
    await page.goto(`/events?type=exec&exe=${encodeURIComponent(binary)}`);
    await page.getByRole("button", { name: "Live tail" }).click();
    await expect.poll(() => page.getByRole("button", { name: "● Live" }).count()).toBe(1);
    const marker = `live-${Date.now()}`;
    spawnSync(binary, [marker]);
    const row = page.locator("table.events tbody tr", { hasText: marker });
    await expect.poll(() => row.count(), { timeout: 20_000 }).toBe(1);
    await page.getByRole("button", { name: "● Live" }).click();
    await expect.poll(() => page.getByRole("button", { name: "Live tail" }).count()).toBe(1);
    await page.context().close();
  });

  it("raises an alert for a deleted running binary; an analyst triages it, a viewer only reads", async () => {
    const admin = await signedIn("admin", "a password for the tests");
    await admin.getByRole("link", { name: "Alerts" }).click();
    const row = admin.locator("table.alerts tbody tr", {
      hasText: "A running executable was deleted or replaced",
    });
    await expect.poll(() => row.count(), { timeout: 20_000 }).toBe(1);
    expect(await row.textContent()).toContain("high");
    await row.getByRole("button", { name: "Acknowledge" }).click();
    await expect.poll(() => row.locator("td:nth-child(4)").textContent()).toBe("acknowledged");
    await row.getByRole("button", { name: "Assign to me" }).click();
    await expect.poll(() => row.locator("td:nth-child(5)").textContent()).toBe("admin");
    await admin.screenshot({ path: join(artifacts, "alerts.png"), fullPage: true });
    await row.getByRole("link", { name: "A running executable was deleted or replaced" }).click();
    await admin.waitForURL(/\/alerts\/\d+$/);
    const events = admin.locator("table.events tbody tr", { hasText: "vigil-sleeper" });
    await expect.poll(() => events.count()).toBeGreaterThan(0);
    expect(await events.first().textContent()).toContain("unlink_running");
    await admin.screenshot({ path: join(artifacts, "alert.png"), fullPage: true });
    const alertId = Number(admin.url().split("/").at(-1));
    await admin.context().close();

    const viewer = await signedIn("viewer1", viewerPassword);
    await viewer.goto("/alerts");
    await expect.poll(() => viewer.locator("table.alerts tbody tr").count()).toBeGreaterThan(0);
    expect(await viewer.getByRole("button", { name: "Resolve" }).count()).toBe(0);
    const status = await viewer.evaluate(async (id) => {
      const response = await fetch("/api/trpc/alerts.update", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ id, status: "resolved" }),
      });
      return response.status;
    }, alertId);
    expect(status).toBe(403);
    await viewer.context().close();
  });

  it("shows the dashboard from the rollups, and a top executable opens the explorer on it", async () => {
    const page = await signedIn("admin", "a password for the tests");
    await page.getByRole("link", { name: "Dashboard" }).click();
    await page.waitForURL("**/dashboard");
    await expect.poll(() => page.locator(".recharts-surface").count()).toBeGreaterThan(0);
    await expect.poll(() => page.locator(".recharts-bar-rectangle").count()).toBeGreaterThan(0);
    // The agent sees the whole host (other tests run beside this one): take whichever executable leads.
    const top = page.locator(".panel", { hasText: "Top executables" }).getByRole("link");
    await expect.poll(() => top.count()).toBeGreaterThan(0);
    const exe = (await top.first().textContent()) ?? "";
    expect(exe).toMatch(/^\//);
    expect(await page.locator(".panel", { hasText: "Open alerts" }).textContent()).toContain("high");
    await page.screenshot({ path: join(artifacts, "dashboard.png"), fullPage: true });
    await top.first().click();
    await page.waitForURL(/\/events\?.*exe=/);
    const exes = () => page.locator("table.events tbody tr td:nth-child(6)").allTextContents();
    await expect.poll(async () => new Set(await exes())).toEqual(new Set([exe]));
    await page.context().close();
  });

  it("filters by type chips in the URL, and a shared link opens the same view", async () => {
    const page = await signedIn("admin", "a password for the tests");
    await page.getByRole("group", { name: "Event types" }).getByText("exit", { exact: true }).click();
    await page.waitForURL(/type=exit/);
    const types = () => page.locator("table.events tbody tr td:nth-child(2)").allTextContents();
    await expect.poll(async () => new Set(await types())).toEqual(new Set(["exit"]));
    const link = page.url();
    const other = await page.context().newPage();
    await other.goto(link);
    await expect
      .poll(() => other.locator("table.events tbody tr td:nth-child(2)").first().textContent())
      .toBe("exit");
    await page.context().close();
  });

  it("shows admins the audit log, tokens and settings, and refuses the log to a viewer", async () => {
    const admin = await signedIn("admin", "a password for the tests");
    await admin.getByRole("link", { name: "Audit log" }).click();
    await expect.poll(() => admin.getByText("signed in").count()).toBeGreaterThan(0);
    await admin.screenshot({ path: join(artifacts, "audit.png") });

    await admin.getByRole("link", { name: "API tokens" }).click();
    await admin.getByLabel("Name").fill("grafana <b>");
    await admin.getByRole("button", { name: "Create token" }).click();
    const token = (await admin.locator(".new-token code").textContent()) ?? "";
    expect(token).toMatch(/^vgt_[0-9a-f]{16}\.[\w-]{43}$/);
    const read = await fetch(`${base}/api/v1/events?limit=1`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(read.status).toBe(200);
    const row = admin.locator("table.events tbody tr", { hasText: "grafana <b>" });
    await row.getByRole("button", { name: "Revoke" }).click();
    await expect.poll(() => row.textContent()).toContain("revoked");
    const refused = await fetch(`${base}/api/v1/events?limit=1`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(refused.status).toBe(401);
    await admin.screenshot({ path: join(artifacts, "tokens.png") });

    await admin.getByRole("link", { name: "Enrollment" }).click();
    const enrollForm = admin.getByRole("form", { name: "New enrollment token" });
    await enrollForm.getByLabel("Name").fill("web fleet");
    await enrollForm.getByLabel("Labels").fill("env=prod, broken");
    await enrollForm.getByRole("button", { name: "Create token" }).click();
    await expect.poll(() => admin.locator("p.error").textContent()).toContain('"broken" is not key=value');
    await enrollForm.getByLabel("Labels").fill("env=prod, team=web");
    await enrollForm.getByLabel("Max uses").fill("1");
    await enrollForm.getByRole("button", { name: "Create token" }).click();
    const enrollToken = (await admin.locator(".new-token code").textContent()) ?? "";
    expect(enrollToken).toMatch(/^vge_[0-9a-f]{16}\.[\w-]{43}$/);
    const enroll = (machineId: string) =>
      fetch(`${base}/api/agent/v1/enroll`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ token: enrollToken, host: { machineId, name: machineId } }),
      });
    expect((await enroll(`console-${process.pid}-a`)).status).toBe(200);
    const enrolled = admin.locator("table.enrollment tbody tr", { hasText: "web fleet" });
    await admin.reload();
    await expect.poll(() => enrolled.textContent()).toContain("1 of 1");
    expect(await enrolled.textContent()).toContain("env=prod, team=web");
    expect((await enroll(`console-${process.pid}-b`)).status).toBe(403); // used up
    await enrolled.getByRole("button", { name: "Revoke" }).click();
    await expect.poll(() => enrolled.textContent()).toContain("revoked");
    await admin.screenshot({ path: join(artifacts, "enrollment.png") });

    await admin.getByRole("link", { name: "Settings" }).click();
    const retention = admin.getByRole("form", { name: "Retention" });
    await expect.poll(() => admin.getByText("The server's defaults apply").count()).toBe(1);
    expect(await retention.getByLabel("Keep events for (days)").inputValue()).toBe("30");
    await retention.getByLabel("Keep events for (days)").fill("14");
    await retention.getByRole("button", { name: "Save" }).click();
    await expect.poll(() => admin.getByRole("status").textContent()).toContain("Saved");
    await admin.reload();
    await expect.poll(() => retention.getByLabel("Keep events for (days)").inputValue()).toBe("14");
    await retention.getByRole("button", { name: "Use the server's defaults" }).click();
    await expect.poll(() => retention.getByLabel("Keep events for (days)").inputValue()).toBe("30");
    await admin.screenshot({ path: join(artifacts, "settings.png") });

    await admin.getByRole("link", { name: "Users" }).click();
    const form = admin.getByRole("form", { name: "New user" });
    await form.getByLabel("Name").fill("newcomer");
    await form.getByLabel("Password (12+ characters)").fill("short");
    await form.getByRole("button", { name: "Create user" }).click();
    await expect.poll(() => admin.locator("p.error").textContent()).toContain("at least 12 characters");
    await form.getByLabel("Password (12+ characters)").fill("a newcomer's long password");
    await form.getByRole("button", { name: "Create user" }).click();
    const newcomer = admin.locator("table.events tbody tr", { hasText: "newcomer" });
    await expect.poll(() => newcomer.count()).toBe(1);
    await newcomer.getByRole("button", { name: "Disable" }).click();
    await expect.poll(() => newcomer.textContent()).toContain("disabled");
    await admin.screenshot({ path: join(artifacts, "users.png") });
    await admin.context().close();

    const viewer = await signedIn("viewer1", viewerPassword);
    expect(await viewer.getByRole("link", { name: "Audit log" }).count()).toBe(0);
    expect(await viewer.getByRole("link", { name: "API tokens" }).count()).toBe(0);
    expect(await viewer.getByRole("link", { name: "Users" }).count()).toBe(0);
    await viewer.goto("/admin/audit");
    await expect
      .poll(() => viewer.locator("section[role=alert]").textContent())
      .toContain("The audit log is for admins");
    const status = await viewer.evaluate(
      async () => (await fetch("/api/trpc/audit.list?input=%7B%7D")).status,
    );
    expect(status).toBe(403);
    await viewer.getByRole("button", { name: "Sign out" }).click();
    await viewer.waitForURL("**/sign-in");
    const after = await viewer.evaluate(async () => (await fetch("/api/trpc/auth.me")).status);
    expect(after).toBe(401);
    await viewer.context().close();
  });

  it("authors a policy with problems shown as typed, back-tests it, publishes; the host applies it and judges a deletion (audit, alert); canary and promote; compare, roll back; a viewer only reads", async () => {
    const admin = await signedIn("admin", "a password for the tests");
    await admin.getByRole("link", { name: "Policies" }).click();
    await expect.poll(() => admin.getByText("No policy is published yet.").count()).toBe(1);
    await admin.getByRole("link", { name: "protect-running-binaries" }).click();
    await admin.waitForURL(/template=protect-running-binaries/);
    const editor = admin.getByRole("textbox", { name: "Policy YAML" });
    await expect.poll(() => editor.textContent()).toContain("no-delete-running-system-binary");
    await expect.poll(() => admin.getByText("No problems.").count()).toBe(1);

    const draft = (severity: string) =>
      [
        "apiVersion: vigil/v1",
        "kind: Policy",
        "name: console-test",
        "mode: audit",
        "rules:",
        "  - id: hostile-exec",
        "    on: exec",
        "    action: alert",
        `    ${severity}: high`,
        "    when:",
        `      file.path: ["${binary}"]`,
        "    message: 'ran {process.argv}'",
        "  - id: sleeper-deleted",
        "    on: unlink_running",
        "    action: deny",
        "    severity: critical",
        `    when: { file.path: "${tmpdir()}/vigil-sleeper-${process.pid}" }`,
      ].join("\n");
    await editor.fill(draft("severty"));
    const problems = admin.getByRole("list", { name: "Problems" });
    await expect.poll(() => problems.textContent()).toContain('Line 9, column 5: unknown setting "severty"');
    expect(await problems.textContent()).toContain('did you mean "severity"?');
    expect(await admin.locator(".cm-lintRange-error").count()).toBeGreaterThan(0);
    await expect(admin.getByRole("button", { name: "Run back-test" }).isDisabled()).resolves.toBe(true);

    await editor.fill(draft("severity"));
    await expect.poll(() => admin.getByText("No problems.").count()).toBe(1);
    await admin.getByRole("button", { name: "Run back-test" }).click();
    const report = admin.getByRole("region", { name: "Back-test" });
    await expect.poll(() => report.textContent(), { timeout: 60_000 }).toContain("Judged");
    const hostile = report.locator("article", { hasText: "hostile-exec" });
    expect(await hostile.textContent()).toContain("would alert");
    // Every run of the binary (other tests run it too), the newest five as examples; the message shows the hostile
    // argv as text, not markup.
    const runs = (
      await exportedEvents(base, data.apiToken, `type=exec&q=${encodeURIComponent(`hostile-${process.pid}`)}`)
    ).filter((e) => (e.file as { path: string }).path === binary).length;
    expect(await hostile.locator("h3").textContent()).toContain(` ${runs} event`);
    expect(await hostile.getByRole("link").count()).toBe(Math.min(runs, 5));
    const example = hostile.getByRole("link").filter({ hasText: "<img src=x onerror=alert(1)>" });
    expect(await example.count()).toBe(1);
    expect(await report.locator("article", { hasText: "sleeper-deleted" }).textContent()).toContain(
      "would report (audit)",
    );
    await admin.screenshot({ path: join(artifacts, "policy-backtest.png"), fullPage: true });
    await example.click();
    await admin.waitForURL(/\/events\?.*pid=/);
    await expect.poll(() => admin.locator("table.events tbody tr").count()).toBeGreaterThan(0);
    await admin.goBack();

    const publish = admin.getByRole("form", { name: "Publish" });
    await expect.poll(() => admin.getByText("No problems.").count()).toBe(1);
    await publish.getByLabel("What changed and why").fill("first version");
    await publish.getByRole("button", { name: "Publish version 1" }).click();
    await admin.waitForURL(/name=console-test/);
    await expect.poll(() => admin.getByText("version 1 in force", { exact: true }).count()).toBe(1);
    // This host's agent follows the policies: it applies version 1 within a heartbeat or two.
    const rollout = admin.getByRole("region", { name: "Hosts" });
    await expect.poll(() => rollout.textContent()).toContain("version 1 applied");
    // Version 1 judges what happens next: deleting the running sleeper is what its deny rule names (audit mode).
    await deleteWhileRunning(sleeper);
    const audited = "verdict=audit&type=unlink_running";
    await expect
      .poll(async () => (await exportedEvents(base, data.apiToken, audited)).length, { timeout: 30_000 })
      .toBeGreaterThan(0);
    await admin.goto(`/events?${audited}`);
    const judged = admin.locator("table.events tbody tr", { hasText: `vigil-sleeper-${process.pid}` });
    await expect.poll(() => judged.count()).toBe(1);
    await judged.first().click();
    const drawer = admin.getByRole("complementary", { name: "Event unlink_running" });
    await expect.poll(() => drawer.textContent()).toContain("sleeper-deleted");
    expect(await drawer.textContent()).toContain("console-test");
    await admin.goto("/alerts");
    await expect.poll(() => admin.locator("table.alerts").textContent()).toContain("sleeper-deleted");
    await admin.goBack();
    await admin.goBack();
    // Hosts enrolled by other tests never heartbeat: they stay pending.
    expect(await rollout.textContent()).toMatch(
      /Version 1 is applied on 1 of the \d+ hosts the selector picks\./,
    );
    await editor.fill(draft("severity").replace("mode: audit", "mode: enforce"));
    await expect.poll(() => admin.getByText("No problems.").count()).toBe(1);
    await publish.getByLabel("What changed and why").fill("enforce it");
    await publish.getByLabel(/Canary/).fill("1");
    await publish.getByRole("button", { name: "Publish version 2" }).click();
    await expect.poll(() => admin.getByText("version 2 in force", { exact: true }).count()).toBe(1);
    // A canary: one host (the first by name) gets version 2, the others keep version 1 until it is promoted.
    await expect
      .poll(() => rollout.textContent())
      .toMatch(/Canary: version 2 is applied on \d of the 1 canary hosts; the other \d+ keep version 1\./);
    expect(await rollout.locator(".badge", { hasText: "canary" }).count()).toBe(1);
    await rollout.getByRole("button", { name: "Promote version 2 to all hosts" }).click();
    await expect.poll(() => rollout.textContent()).toContain("version 2 applied");
    expect(await rollout.textContent()).toMatch(
      /Version 2 is applied on 1 of the \d+ hosts the selector picks\./,
    );

    const versions = admin.getByRole("region", { name: "Versions" });
    await expect.poll(() => versions.locator("tbody tr").count()).toBe(2);
    await versions
      .locator("tbody tr", { hasText: "first version" })
      .getByRole("button", { name: "Compare" })
      .click();
    const diff = admin.getByRole("region", { name: "Version 1 against the editor" });
    await expect.poll(() => diff.locator(".diff-removed").allTextContents()).toEqual(["- mode: audit"]);
    expect(await diff.locator(".diff-added").allTextContents()).toEqual(["+ mode: enforce"]);
    await versions
      .locator("tbody tr", { hasText: "first version" })
      .getByRole("button", { name: "Roll back to this" })
      .click();
    await expect.poll(() => admin.getByText("version 3 in force", { exact: true }).count()).toBe(1);
    await expect.poll(() => editor.textContent()).toContain("mode: audit");
    expect(await versions.locator("tbody tr").first().textContent()).toContain("roll back to version 1");
    await admin.screenshot({ path: join(artifacts, "policy-versions.png"), fullPage: true });

    const viewer = await signedIn("viewer1", viewerPassword);
    await viewer.getByRole("link", { name: "Policies" }).click();
    await viewer.getByRole("link", { name: "console-test" }).click();
    await expect
      .poll(() => viewer.getByText("Publishing and rolling back need the admin role.").count())
      .toBe(1);
    await expect
      .poll(() => viewer.getByRole("textbox", { name: "Policy YAML" }).textContent())
      .toContain("mode: audit");
    expect(await viewer.getByRole("textbox", { name: "Policy YAML" }).getAttribute("contenteditable")).toBe(
      "false",
    );
    expect(await viewer.getByRole("button", { name: "Run back-test" }).count()).toBe(0);
    expect(await viewer.getByRole("button", { name: "Roll back to this" }).count()).toBe(0);
    expect(dialogs).toEqual([]);
    await admin.context().close();
    await viewer.context().close();
  });

  it("shows the fleet: counts that filter, each host's status, sensor and health; admins label and revoke, viewers read", async () => {
    // Two more hosts speak the agent API: one whose sensor fell back from lsm, named like markup.
    const hostile = `<img src=x onerror=alert(3)>-${process.pid}`;
    const enroll = await fetch(`${base}/api/agent/v1/enroll`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: data.enrollToken, host: { machineId: "sim-fell-back", name: hostile } }),
    });
    const { credential } = (await enroll.json()) as { credential: string };
    const heartbeat = (mode: "lsm" | "tracepoint") =>
      fetch(`${base}/api/agent/v1/heartbeat`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${credential}` },
        body: JSON.stringify({
          name: hostile,
          os: "Debian GNU/Linux 12",
          kernel: "6.1.0-sim",
          agentVersion: "0.1.0",
          sensor: { mode, reason: `${mode}: \u001b[31m<b>reason</b>` },
          capabilities: ["observe"],
          events: {},
          drops: { exec: 4 },
          spool: { depth: 12, bytes: 1000, dropped: 0 },
          policyVersion: null,
        }),
      });
    expect((await heartbeat("lsm")).status).toBe(200);
    expect((await heartbeat("tracepoint")).status).toBe(200);
    const localName = readFileSync("/proc/sys/kernel/hostname", "utf8").trim();

    const admin = await signedIn("admin", "a password for the tests");
    admin.removeAllListeners("dialog");
    admin.on("dialog", (dialog) => void dialog.accept()); // the rotate and revoke confirmations, accepted
    await admin.getByRole("link", { name: "Hosts" }).click();
    const counts = admin.getByRole("group", { name: "Fleet counts" });
    const enrolled = readDb(data.dir, (db) => db.prepare("SELECT count(*) FROM hosts").pluck().get());
    await expect
      .poll(() => counts.getByRole("button", { name: /hosts$/ }).textContent())
      .toBe(`${enrolled}hosts`);
    const local = admin.locator("table.hosts tbody tr", { hasText: localName });
    await expect.poll(() => local.textContent()).toContain("online");
    expect(await local.textContent()).toContain("tracepoint · observes");
    const simulated = admin.locator("table.hosts tbody tr", { hasText: hostile });
    expect(await simulated.textContent()).toContain("fell back");
    expect(await simulated.getByRole("link").textContent()).toBe(hostile);

    await counts.getByRole("button", { name: /fell back from lsm/ }).click();
    await expect.poll(() => admin.locator("table.hosts tbody tr").count()).toBe(1);
    await counts.getByRole("button", { name: /fell back from lsm/ }).click();
    await admin.getByLabel("Search").fill(localName);
    await expect.poll(() => admin.locator("table.hosts tbody tr").count()).toBe(1);
    await expect.poll(() => local.locator(".spark svg").count()).toBe(1);
    await admin.screenshot({ path: join(artifacts, "hosts.png"), fullPage: true });

    await local.getByRole("link", { name: localName }).click();
    await expect.poll(() => admin.getByRole("heading", { level: 1 }).textContent()).toContain(localName);
    await expect.poll(() => admin.locator(".host-detail table.events tbody tr").count()).toBeGreaterThan(0);
    expect(await admin.getByText("Agent health, last 24 hours").count()).toBe(1);
    // what the agent applies now (the policies test's, when it ran first), when it started to
    await expect
      .poll(() => admin.locator(".policy-history li").first().textContent())
      .toMatch(
        /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d (no policy applied|[\w-]+ v\d+(, [\w-]+ v\d+)*) · not enforcing/,
      );
    await admin.getByRole("button", { name: "Edit labels" }).click();
    await admin.getByLabel(/Labels \(key=value/).fill("env=ci\nrole=runner");
    await admin.getByRole("button", { name: "Save labels" }).click();
    await expect
      .poll(() => admin.locator(".facts .label").allTextContents())
      .toEqual(["env=ci", "role=runner"]);
    await admin.getByRole("button", { name: "Edit labels" }).click();
    await admin.getByLabel(/Labels \(key=value/).fill("not a pair");
    await admin.getByRole("button", { name: "Save labels" }).click();
    await expect
      .poll(() => admin.locator(".label-editor [role=alert]").textContent())
      .toContain('"not a pair" is not key=value');
    await admin.screenshot({ path: join(artifacts, "host.png"), fullPage: true });

    await admin.goto("/hosts");
    await admin.getByRole("link", { name: hostile }).click();
    await admin.getByRole("button", { name: "Rotate credential" }).click();
    await expect.poll(() => admin.getByText(/new credential asked .*waiting for the agent/).count()).toBe(1);
    expect(await (await heartbeat("tracepoint")).json()).toEqual({ ok: true, rotateCredential: true });
    await admin.getByRole("button", { name: "Revoke agent" }).click();
    await expect.poll(() => admin.getByText("revoked: refused until it enrolls again").count()).toBe(1);
    expect((await heartbeat("tracepoint")).status).toBe(401);

    const viewer = await signedIn("viewer1", viewerPassword);
    await viewer.goto("/hosts");
    await viewer.getByRole("link", { name: localName }).click();
    await expect
      .poll(() => viewer.locator(".facts .label").allTextContents())
      .toEqual(["env=ci", "role=runner"]);
    expect(await viewer.getByRole("button", { name: "Edit labels" }).count()).toBe(0);
    expect(await viewer.getByRole("button", { name: "Revoke agent" }).count()).toBe(0);
    expect(await viewer.getByRole("button", { name: "Rotate credential" }).count()).toBe(0);
    expect(dialogs).toEqual([]);
    await admin.context().close();
    await viewer.context().close();
  });

  it("sends a strict Content-Security-Policy and security headers with every page", async () => {
    const response = await fetch(`${base}/sign-in`);
    const policy = response.headers.get("content-security-policy") ?? "";
    expect(policy).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/=]+' 'strict-dynamic'/);
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).not.toMatch(/script-src[^;]*unsafe-inline/);
    expect(response.headers.get("x-content-type-options")).toBe("nosniff");
    expect(response.headers.get("x-frame-options")).toBe("DENY");

    // The console's API is served beside Next (server/agent-routes.ts): the same headers, gzip when taken.
    const api = await fetch(`${base}/api/trpc/events.list?input=${encodeURIComponent('{"limit":100}')}`, {
      headers: { authorization: `Bearer ${data.apiToken}`, "accept-encoding": "gzip" },
    });
    expect(api.status).toBe(200);
    for (const [name, value] of securityHeaders) expect(api.headers.get(name)).toBe(value);
    expect(api.headers.get("content-encoding")).toBe("gzip");
    expect(
      ((await api.json()) as { result: { data: { events: unknown[] } } }).result.data.events.length,
    ).toBe(100);
  });

  it("refuses a sign-in or change posted from another site's page (CSRF), and takes the console's own", async () => {
    const signIn = (origin: string) =>
      fetch(`${base}/api/trpc/auth.signIn`, {
        method: "POST",
        headers: { origin, "content-type": "application/json" },
        body: JSON.stringify({ name: "admin", password: "a password for the tests" }),
      });
    const forged = await signIn("https://evil.example");
    expect(forged.status).toBe(403);
    expect(await forged.json()).toEqual({ error: expect.stringContaining("another site's page") });
    expect(forged.headers.get("set-cookie")).toBeNull();
    const own = await signIn(base);
    expect(own.status).toBe(200);
    const cookie = (own.headers.get("set-cookie") ?? "").split(";")[0] as string;
    expect(cookie).toMatch(/=\S+/);
    const signOut = await fetch(`${base}/api/trpc/auth.signOut`, {
      method: "POST",
      headers: { origin: "https://evil.example", cookie, "sec-fetch-site": "cross-site" },
    });
    expect(signOut.status).toBe(403);
  });
});
