namespace ManagedBpf.Loader.Btf;

/// <summary><see cref="BtfKind.ARRAY"/>: <c>struct btf_array</c>.</summary>
public sealed class BtfArray : BtfType
{
    /// <summary>Creates an array type.</summary>
    /// <param name="typeId"><c>type</c>: the element type.</param>
    /// <param name="indexTypeId"><c>index_type</c>.</param>
    /// <param name="nelems"><c>nelems</c>.</param>
    /// <param name="nameOff"><c>name_off</c> (arrays are anonymous; kept for round-tripping).</param>
    /// <param name="kindFlag">The kind flag as encoded.</param>
    public BtfArray(uint typeId, uint indexTypeId, uint nelems, uint nameOff = 0, bool kindFlag = false)
        : base(nameOff, kindFlag)
    {
        TypeId = typeId;
        IndexTypeId = indexTypeId;
        Nelems = nelems;
    }

    /// <inheritdoc/>
    public override BtfKind Kind => BtfKind.ARRAY;

    /// <summary><c>btf_array.type</c>: the element type id.</summary>
    public uint TypeId { get; }

    /// <summary><c>btf_array.index_type</c>.</summary>
    public uint IndexTypeId { get; }

    /// <summary><c>btf_array.nelems</c>.</summary>
    public uint Nelems { get; }
}
