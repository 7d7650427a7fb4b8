import { badRequest, enrollAgent, enrollRequestSchema } from "@vigil/api";
import { errorResponse, json, readJson } from "@/server/http";
import { vigil } from "@/server/vigil";

export const dynamic = "force-dynamic";

export async function POST(request: Request): Promise<Response> {
  try {
    const parsed = enrollRequestSchema.safeParse(await readJson(request, 64 * 1024));
    if (!parsed.success) {
      throw badRequest(
        `not an enrollment: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
      );
    }
    return json(200, enrollAgent(vigil().store, parsed.data));
  } catch (error) {
    return errorResponse(error);
  }
}
