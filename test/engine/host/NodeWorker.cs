using System.Text;
using Newtonsoft.Json.Linq;

namespace EngineHost;

/// <summary>
/// Carries one invocation to the Node sidecar and its outcome back, converting both the way the Functions host
/// converts between .NET values and the worker's RPC TypedData.
/// </summary>
public static class NodeWorker
{
    private static readonly HttpClient Http = new() { Timeout = Timeout.InfiniteTimeSpan };
    private static string sidecarUrl;

    public static void Configure(string url) => sidecarUrl = url;

    public static async Task<object> Invoke(string kind, string function, string payload)
    {
        string text;
        HttpResponseMessage response;
        for (var attempt = 1; ; attempt++)
        {
            var content = new StringContent(payload ?? string.Empty, Encoding.UTF8, "text/plain");
            content.Headers.Add("x-engine-kind", kind);
            content.Headers.Add("x-engine-payload-null", payload == null ? "1" : "0");
            try
            {
                response = await Http.PostAsync($"{sidecarUrl}/__engine/invoke/{Uri.EscapeDataString(function)}", content);
                text = await response.Content.ReadAsStringAsync();
                break;
            }
            catch (HttpRequestException error)
            {
                // The worker died (or is not back yet). The Functions host restarts a dead worker and the extension
                // runs the lost invocation again (nothing of it was committed); so does this stand-in, on the
                // restarted worker: the invocation is sent again until a worker answers it.
                if (attempt == 1)
                {
                    Console.WriteLine($"engine-host: worker lost during {kind} {function} ({error.Message}); re-dispatching it to the restarted worker");
                }

                await Task.Delay(250);
            }
        }

        using var disposeResponse = response;
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"engine-host: the sidecar answered {(int)response.StatusCode} for {function}: {text}");
        }

        var reply = JObject.Parse(text);
        if ((string)reply["status"] != "success")
        {
            // The Functions host raises a worker failure as an RpcException with this message, and the extension
            // reads the error (and an orchestrator's $OutOfProcData$ state) back out of it.
            throw new Exception($"Result: Failure\nException: {(string)reply["message"]}\nStack: {(string)reply["stack"]}");
        }

        return FromTypedData(reply["returnValue"] as JObject);
    }

    /// <summary>RPC TypedData to the .NET value the host gives the extension: json becomes a JToken.</summary>
    private static object FromTypedData(JObject data)
    {
        if (data == null) return null;
        if (data["json"] is JToken json && json.Type == JTokenType.String) return JToken.Parse((string)json);
        if (data["string"] is JToken text && text.Type == JTokenType.String) return (string)text;
        if (data["int"] is JToken integer && integer.Type != JTokenType.Null) return (long)integer;
        if (data["double"] is JToken real && real.Type != JTokenType.Null) return (double)real;
        return null;
    }
}
