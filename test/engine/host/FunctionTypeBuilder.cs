using System.Reflection;
using System.Reflection.Emit;
using Microsoft.Azure.WebJobs;
using Microsoft.Azure.WebJobs.Extensions.DurableTask;

namespace EngineHost;

/// <summary>
/// Declares the app's durable functions to the WebJobs SDK at run time, the way the Functions host does for
/// languages other than .NET: it emits one static method per function, named with [FunctionName] and taking its
/// trigger payload as a string, so no function name is ever compiled into this host. Each body hands the payload
/// to <see cref="NodeWorker.Invoke"/>.
/// </summary>
public static class FunctionTypeBuilder
{
    private static readonly Dictionary<string, Type> TriggerAttributes = new()
    {
        ["orchestration"] = typeof(OrchestrationTriggerAttribute),
        ["activity"] = typeof(ActivityTriggerAttribute),
        ["entity"] = typeof(EntityTriggerAttribute),
    };

    public static Type Build(IReadOnlyList<DurableFunction> functions)
    {
        var assembly = AssemblyBuilder.DefineDynamicAssembly(new AssemblyName("EngineHost.AppFunctions"), AssemblyBuilderAccess.Run);
        var module = assembly.DefineDynamicModule("EngineHost.AppFunctions");
        var type = module.DefineType(
            "EngineHost.AppFunctions",
            TypeAttributes.Public | TypeAttributes.Abstract | TypeAttributes.Sealed | TypeAttributes.Class);
        var invoke = typeof(NodeWorker).GetMethod(nameof(NodeWorker.Invoke))!;
        var functionName = typeof(FunctionNameAttribute).GetConstructor(new[] { typeof(string) })!;

        for (int i = 0; i < functions.Count; i++)
        {
            var function = functions[i];
            if (!TriggerAttributes.TryGetValue(function.Kind, out var trigger))
            {
                throw new InvalidOperationException($"engine-host: function '{function.Name}' has unknown kind '{function.Kind}'");
            }

            var method = type.DefineMethod(
                $"Function{i}",
                MethodAttributes.Public | MethodAttributes.Static,
                typeof(Task<object>),
                new[] { typeof(string) });
            method.SetCustomAttribute(new CustomAttributeBuilder(functionName, new object[] { function.Name }));
            var payload = method.DefineParameter(1, ParameterAttributes.None, "payload");
            payload.SetCustomAttribute(new CustomAttributeBuilder(trigger.GetConstructor(Type.EmptyTypes)!, Array.Empty<object>()));

            var il = method.GetILGenerator();
            il.Emit(OpCodes.Ldstr, function.Kind);
            il.Emit(OpCodes.Ldstr, function.Name);
            il.Emit(OpCodes.Ldarg_0);
            il.Emit(OpCodes.Call, invoke);
            il.Emit(OpCodes.Ret);
        }

        return type.CreateType()!;
    }
}
