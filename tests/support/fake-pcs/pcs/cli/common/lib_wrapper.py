_CACHE = {}
