using Microsoft.Azure.WebJobs;
using Microsoft.Azure.WebJobs.Extensions.DurableTask;

namespace EngineHost;

/// <summary>The durable client binding, which the sidecar hands to the app's client functions.</summary>
public static class ClientFunctions
{
    public const string Name = "EngineHostDurableClient";

    public static string LastClientJson { get; private set; }

    // A string is what the extension gives non-.NET workers: the JSON the JavaScript durable client is built from.
#pragma warning disable DF0203
    [NoAutomaticTrigger]
    [FunctionName(Name)]
    public static void CaptureClient([DurableClient] string client) => LastClientJson = client;
#pragma warning restore DF0203
}
