using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.Azure.WebJobs;
using Microsoft.Azure.WebJobs.Extensions.DurableTask;

namespace EngineHost;

/// <summary>
/// A loopback HTTP server for the sidecar: the durable client binding JSON (GET /client), and the extension's HTTP
/// management API (/runtime/webhooks/durabletask/...), which the Functions host would serve on the app's origin.
/// </summary>
public sealed class ControlServer : IDisposable
{
    private const string WebhookPrefix = "/runtime/webhooks/durabletask/";
    private readonly HostSettings settings;
    private readonly IJobHost jobHost;
    private readonly IAsyncConverter<HttpRequestMessage, HttpResponseMessage> managementApi;
    private readonly HttpListener listener = new();

    public ControlServer(HostSettings settings, IJobHost jobHost, DurableTaskExtension extension)
    {
        this.settings = settings;
        this.jobHost = jobHost;
        this.managementApi = extension;
        this.listener.Prefixes.Add($"{settings.ControlUrl}/");
    }

    public void Start()
    {
        this.listener.Start();
        _ = Task.Run(async () =>
        {
            while (this.listener.IsListening)
            {
                HttpListenerContext context;
                try
                {
                    context = await this.listener.GetContextAsync();
                }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
                {
                    return;
                }

                _ = Task.Run(() => this.ServeAsync(context));
            }
        });
    }

    public void Dispose() => this.listener.Close();

    private async Task ServeAsync(HttpListenerContext context)
    {
        try
        {
            string path = context.Request.Url!.AbsolutePath;
            if (path == "/client")
            {
                await this.jobHost.CallAsync(ClientFunctions.Name);
                await WriteAsync(context.Response, 200, "application/json", ClientFunctions.LastClientJson);
            }
            else if (path.StartsWith(WebhookPrefix, StringComparison.Ordinal))
            {
                await this.ForwardToManagementApiAsync(context);
            }
            else
            {
                await WriteAsync(context.Response, 404, "text/plain", "not found");
            }
        }
        catch (Exception e)
        {
            try { await WriteAsync(context.Response, 500, "text/plain", e.ToString()); } catch (Exception) { }
        }
    }

    private async Task ForwardToManagementApiAsync(HttpListenerContext context)
    {
        var incoming = context.Request;
        // Re-issued on the public origin, so the links the extension puts in its answers point where callers are.
        var request = new HttpRequestMessage(new HttpMethod(incoming.HttpMethod), this.settings.PublicOrigin + incoming.Url!.PathAndQuery);
        using var body = new MemoryStream();
        await incoming.InputStream.CopyToAsync(body);
        if (body.Length > 0 || incoming.HttpMethod is "POST" or "PUT")
        {
            request.Content = new ByteArrayContent(body.ToArray());
            if (incoming.ContentType != null) request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(incoming.ContentType);
        }

        using var response = await this.managementApi.ConvertAsync(request, CancellationToken.None);
        var outgoing = context.Response;
        outgoing.StatusCode = (int)response.StatusCode;
        foreach (var header in response.Headers) outgoing.Headers[header.Key] = string.Join(",", header.Value);
        byte[] bytes = response.Content == null ? Array.Empty<byte>() : await response.Content.ReadAsByteArrayAsync();
        if (response.Content?.Headers.ContentType != null) outgoing.ContentType = response.Content.Headers.ContentType.ToString();
        outgoing.ContentLength64 = bytes.Length;
        await outgoing.OutputStream.WriteAsync(bytes);
        outgoing.Close();
    }

    private static async Task WriteAsync(HttpListenerResponse response, int status, string contentType, string text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text ?? string.Empty);
        response.StatusCode = status;
        response.ContentType = contentType;
        response.ContentLength64 = bytes.Length;
        await response.OutputStream.WriteAsync(bytes);
        response.Close();
    }
}
