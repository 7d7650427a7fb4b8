import { badRequest, enrollAgent, enrollRequestSchema } from "@vigil/api";
import { describeIssues } from "@vigil/events";
import { errorResponse, json, readJson } from "@/server/http";
import { vigil } from "@/server/vigil";

export const dynamic = "force-dynamic";

export async function POST(request: Request): Promise<Response> {
  try {
    const parsed = enrollRequestSchema.safeParse(await readJson(request, 64 * 1024));
    if (!parsed.success) {
      throw badRequest(`not an enrollment: ${describeIssues(parsed.error, "(enrollment)")}`);
    }
    return json(200, enrollAgent(vigil().store, parsed.data));
  } catch (error) {
    return errorResponse(error);
  }
}
