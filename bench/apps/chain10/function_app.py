"""The benchmark's workload: a chain of ten activities."""

import azure.durable_functions as df

app = df.DFApp()


@app.orchestration_trigger(context_name="context")
def chain10(context: df.DurableOrchestrationContext):
    value = context.get_input()
    for _ in range(10):
        value = yield context.call_activity("increment", value)
    return value


@app.activity_trigger(input_name="value")
def increment(value: int) -> int:
    return value + 1
