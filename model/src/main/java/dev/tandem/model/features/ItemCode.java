package dev.tandem.model.features;

/** A candidate's encoded ids (cacheable per item): hashed item, category, brand, and price bucket. */
public record ItemCode(int item, int category, int brand, int priceBucket) {}
