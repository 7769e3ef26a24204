using Microsoft.Azure.WebJobs;
using Microsoft.Azure.WebJobs.Host.Config;

namespace EngineHost;

#pragma warning disable CS0618 // IWebHookProvider is obsolete, and it is what the Functions host implements.
/// <summary>Where the extension says its webhooks live (the Functions host's answer is its own origin and system key).</summary>
internal sealed class WebHookUrl : IWebHookProvider
{
    private readonly Uri url;

    public WebHookUrl(string url) => this.url = new Uri(url);

    public Uri GetUrl(IExtensionConfigProvider extension) => this.url;
}
#pragma warning restore CS0618

/// <summary>Tells the WebJobs SDK exactly which types hold functions.</summary>
internal sealed class FixedTypeLocator : ITypeLocator
{
    private readonly Type[] types;

    public FixedTypeLocator(params Type[] types) => this.types = types;

    public IReadOnlyList<Type> GetTypes() => this.types;
}
