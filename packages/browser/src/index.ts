// @adieu/browser: see issue 5. This package is being built; nothing is exported yet.
export {};
