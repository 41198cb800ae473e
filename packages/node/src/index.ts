// @adieu/node: see issue 6. This package is being built; nothing is exported yet.
export {};
