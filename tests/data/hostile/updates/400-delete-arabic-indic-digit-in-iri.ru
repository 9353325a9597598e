DELETE DATA { <http://e/s> <http://e/p ٣> 1 }
