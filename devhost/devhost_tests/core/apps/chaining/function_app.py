"""Function chaining: three activities in sequence, each result feeding the next."""

import azure.durable_functions as df

app = df.DFApp()


@app.orchestration_trigger(context_name="context")
def chain(context: df.DurableOrchestrationContext):
    city = context.get_input()
    first = yield context.call_activity("greet", city)
    second = yield context.call_activity("shout", first)
    third = yield context.call_activity("exclaim", second)
    return [first, second, third]


@app.activity_trigger(input_name="city")
def greet(city: str) -> str:
    return f"Hello {city}"


@app.activity_trigger(input_name="text")
async def shout(text: str) -> str:
    return text.upper()


@app.activity_trigger(input_name="text")
def exclaim(text: str) -> str:
    return text + "!"
