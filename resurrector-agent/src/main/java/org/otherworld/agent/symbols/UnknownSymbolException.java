package org.otherworld.agent.symbols;

/** A symbol the caller needs is not in the kernel's symbol table. */
public class UnknownSymbolException extends RuntimeException {
    private final String symbol;

    public UnknownSymbolException(String symbol, String tableDescription) {
        super("unknown kernel symbol '" + symbol + "' (not in " + tableDescription + ")");
        this.symbol = symbol;
    }

    public String symbol() {
        return symbol;
    }
}
