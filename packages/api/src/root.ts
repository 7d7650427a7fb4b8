import { alertsRouter } from "./routers/alerts";
import { auditRouter } from "./routers/audit";
import { authRouter } from "./routers/auth";
import { dashboardRouter } from "./routers/dashboard";
import { enrollmentRouter } from "./routers/enrollment";
import { eventsRouter } from "./routers/events";
import { hostsRouter } from "./routers/hosts";
import { integrationsRouter } from "./routers/integrations";
import { policiesRouter } from "./routers/policies";
import { processesRouter } from "./routers/processes";
import { settingsRouter } from "./routers/settings";
import { tokensRouter } from "./routers/tokens";
import { usersRouter } from "./routers/users";
import { createCallerFactory, router } from "./trpc/init";

export const appRouter = router({
  auth: authRouter,
  events: eventsRouter,
  hosts: hostsRouter,
  alerts: alertsRouter,
  dashboard: dashboardRouter,
  processes: processesRouter,
  policies: policiesRouter,
  tokens: tokensRouter,
  enrollment: enrollmentRouter,
  settings: settingsRouter,
  integrations: integrationsRouter,
  users: usersRouter,
  audit: auditRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
