using System.Collections.Immutable;

namespace ManagedBpf.Loader.Btf;

/// <summary>A parameter of a <see cref="BtfFuncProto"/>, <c>struct btf_param</c>. A last parameter with type 0 and no name marks a variadic function.</summary>
/// <param name="NameOff"><c>name_off</c>.</param>
/// <param name="TypeId"><c>type</c>.</param>
public readonly record struct BtfParam(uint NameOff, uint TypeId);

/// <summary><see cref="BtfKind.FUNC_PROTO"/>: a function prototype.</summary>
public sealed class BtfFuncProto : BtfType
{
    /// <summary>Creates a prototype.</summary>
    /// <param name="returnTypeId"><c>type</c>: the return type id, 0 for void.</param>
    /// <param name="params">The parameters.</param>
    /// <param name="nameOff"><c>name_off</c> (prototypes are anonymous; kept for round-tripping).</param>
    /// <param name="kindFlag">The kind flag as encoded.</param>
    public BtfFuncProto(uint returnTypeId, ImmutableArray<BtfParam> @params, uint nameOff = 0, bool kindFlag = false)
        : base(nameOff, kindFlag)
    {
        ReturnTypeId = returnTypeId;
        Params = @params.IsDefault ? [] : @params;
    }

    /// <inheritdoc/>
    public override BtfKind Kind => BtfKind.FUNC_PROTO;

    /// <summary><c>type</c>: the return type id.</summary>
    public uint ReturnTypeId { get; }

    /// <summary>The parameters (vlen of them).</summary>
    public ImmutableArray<BtfParam> Params { get; }

    /// <summary>True when the last parameter is the variadic marker (type 0, no name).</summary>
    public bool IsVariadic => Params.Length > 0 && Params[^1] is { TypeId: 0, NameOff: 0 };
}
