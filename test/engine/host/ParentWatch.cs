namespace EngineHost;

/// <summary>
/// The test process that started this host holds its stdin. If that process dies without stopping the host (a
/// crashed or killed test run), stdin reaches end-of-file and the host exits at once: nobody reads its output any
/// more, so a graceful stop could hang on it, and there is nothing to save (the storage is an in-memory emulator).
/// </summary>
public static class ParentWatch
{
    public static void ExitWhenStdinCloses()
    {
        var watch = new Thread(() =>
        {
            try
            {
                using var stdin = Console.OpenStandardInput();
                var buffer = new byte[256];
                while (stdin.Read(buffer, 0, buffer.Length) > 0)
                {
                }
            }
            catch (IOException)
            {
            }

            Environment.Exit(0);
        })
        {
            IsBackground = true,
            Name = "parent-watch",
        };
        watch.Start();
    }
}
