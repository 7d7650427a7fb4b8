import { describeEventStore } from "@vigil/db/store-contract";
import { openTestStore } from "./test-store";

describeEventStore("ClickHouse", openTestStore);
