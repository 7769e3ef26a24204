using Newtonsoft.Json.Linq;

namespace EngineHost;

/// <summary>One durable function of the app, as the sidecar found it in the app's registrations.</summary>
public sealed record DurableFunction(string Name, string Kind);

/// <summary>Everything the test rig tells the host, through environment variables.</summary>
public sealed record HostSettings(
    string SidecarUrl,
    string WebhookBaseUrl,
    int ControlPort,
    string TaskHub,
    string MaxQueuePollingInterval,
    bool ExitWhenStdinCloses,
    IReadOnlyList<DurableFunction> Functions,
    IReadOnlyDictionary<string, object> StorageProvider)
{
    public string ControlUrl => $"http://127.0.0.1:{this.ControlPort}";

    /// <summary>The origin the app's callers use: the extension builds its management links on it.</summary>
    public string PublicOrigin => new Uri(this.WebhookBaseUrl).GetLeftPart(UriPartial.Authority);

    public static HostSettings FromEnvironment()
    {
        static string Required(string name) =>
            Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
                ? value
                : throw new InvalidOperationException($"engine-host: set {name}");
        static string Optional(string name, string fallback) =>
            Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : fallback;

        var functions = JArray.Parse(Required("ENGINE_FUNCTIONS"))
            .Select(f => new DurableFunction((string)f["name"], (string)f["kind"]))
            .ToList();
        return new HostSettings(
            SidecarUrl: Required("ENGINE_SIDECAR_URL").TrimEnd('/'),
            WebhookBaseUrl: Required("ENGINE_WEBHOOK_BASE_URL"),
            ControlPort: int.Parse(Required("ENGINE_CONTROL_PORT")),
            TaskHub: Optional("ENGINE_TASKHUB", "enginetests"),
            MaxQueuePollingInterval: Optional("ENGINE_MAX_QUEUE_POLLING_INTERVAL", "00:00:01"),
            ExitWhenStdinCloses: Optional("ENGINE_EXIT_WHEN_STDIN_CLOSES", "0") == "1",
            Functions: functions,
            // Extra Azure Storage provider settings (extensions.durableTask.storageProvider in host.json), as JSON.
            StorageProvider: JObject.Parse(Optional("ENGINE_STORAGE_PROVIDER", "{}"))
                .Properties()
                .ToDictionary(p => p.Name, p => (object)((JValue)p.Value).Value));
    }
}
