"""Fan-out/fan-in: N parallel activities, then one that sums their results."""

import azure.durable_functions as df

app = df.DFApp()


@app.orchestration_trigger(context_name="context")
def fan_out(context: df.DurableOrchestrationContext):
    count = context.get_input()
    squares = yield context.task_all([context.call_activity("square", n) for n in range(count)])
    total = yield context.call_activity("add_up", squares)
    return {"count": len(squares), "total": total}


@app.activity_trigger(input_name="n")
def square(n: int) -> int:
    return n * n


@app.activity_trigger(input_name="values")
async def add_up(values: list) -> int:
    return sum(values)
