namespace ManagedBpf.Programs;

/// <summary>Which tc hook of an interface a program attaches to.</summary>
public enum TcDirection
{
    /// <summary>Packets arriving on the interface (BPF_TCX_INGRESS).</summary>
    Ingress,

    /// <summary>Packets leaving the interface (BPF_TCX_EGRESS).</summary>
    Egress,
}
