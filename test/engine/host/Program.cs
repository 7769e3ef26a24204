// The engine tests' stand-in for the Azure Functions host: a WebJobs SDK host that runs the real Durable Functions
// extension (Azure Storage backend, pointed at Azurite by AzureWebJobsStorage) for a JavaScript app whose functions
// run in a Node process (the "sidecar", see test/engine/rig). Everything durable is the shipped extension; only the
// Functions host's job of declaring the app's functions and carrying invocations to the Node worker is stood in for.
using Microsoft.Azure.WebJobs;
using Microsoft.Azure.WebJobs.Extensions.DurableTask;
using Microsoft.Azure.WebJobs.Host.Config;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace EngineHost;

public static class Program
{
    public static async Task<int> Main()
    {
        var settings = HostSettings.FromEnvironment();
        if (settings.ExitWhenStdinCloses)
        {
            ParentWatch.ExitWhenStdinCloses();
        }

        // The extension picks its out-of-process protocol from the worker runtime: with "node" it speaks the JSON
        // protocol durable-functions expects and opens its local RPC listener for the JavaScript durable client.
        Environment.SetEnvironmentVariable("FUNCTIONS_WORKER_RUNTIME", "node");
        NodeWorker.Configure(settings.SidecarUrl);
        Type functions = FunctionTypeBuilder.Build(settings.Functions);

        using IHost host = new HostBuilder()
            .ConfigureAppConfiguration(c => c.AddEnvironmentVariables())
            .ConfigureWebJobs(b => b.AddDurableTask(o =>
            {
                o.HubName = settings.TaskHub;
                o.LocalRpcEndpointEnabled = true;
                // The Azure Storage backend backs off to 30 s between queue polls when idle; tests cannot wait that long.
                o.StorageProvider["maxQueuePollingInterval"] = settings.MaxQueuePollingInterval;
                foreach (var (name, value) in settings.StorageProvider)
                {
                    o.StorageProvider[name] = value;
                }
            }))
            .ConfigureLogging(l =>
            {
                l.ClearProviders();
                l.AddSimpleConsole(s =>
                {
                    s.SingleLine = true;
                    s.TimestampFormat = "HH:mm:ss.fff ";
                });
                l.SetMinimumLevel(LogLevel.Warning);
                l.AddFilter("Host.Triggers.DurableTask", LogLevel.Information);
            })
            .ConfigureServices(s =>
            {
#pragma warning disable CS0618 // IWebHookProvider is obsolete, and it is what the Functions host implements.
                s.AddSingleton<IWebHookProvider>(new WebHookUrl(settings.WebhookBaseUrl));
#pragma warning restore CS0618
                s.AddSingleton<ITypeLocator>(new FixedTypeLocator(typeof(ClientFunctions), functions));
            })
            .Build();

        await host.StartAsync();
        var extension = host.Services.GetServices<IExtensionConfigProvider>().OfType<DurableTaskExtension>().Single();
        using var control = new ControlServer(settings, host.Services.GetRequiredService<IJobHost>(), extension);
        control.Start();
        Console.WriteLine($"engine-host: READY control={settings.ControlUrl} functions={string.Join(",", settings.Functions.Select(f => f.Name))}");

        var stopped = new TaskCompletionSource();
        host.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping.Register(() => stopped.TrySetResult());
        await stopped.Task;
        await host.StopAsync(TimeSpan.FromSeconds(5));
        return 0;
    }
}
