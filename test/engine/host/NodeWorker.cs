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
        var content = new StringContent(payload ?? string.Empty, Encoding.UTF8, "text/plain");
        content.Headers.Add("x-engine-kind", kind);
        content.Headers.Add("x-engine-payload-null", payload == null ? "1" : "0");
        using var response = await Http.PostAsync($"{sidecarUrl}/__engine/invoke/{Uri.EscapeDataString(function)}", content);
        string text = await response.Content.ReadAsStringAsync();
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
